"""The collector paused for launch comes back on, with launch's objects frozen out of it."""

import gc

from irtui.ui import startup


def test_paused_collector_resumes_with_launch_objects_frozen():
    assert gc.isenabled()
    frozen_before = gc.get_freeze_count()
    try:
        startup.pause_collector()
        assert not gc.isenabled()
        launch_objects = [[n] for n in range(1000)]
        startup.resume_collector()
        assert gc.isenabled()
        assert gc.get_freeze_count() >= frozen_before + len(launch_objects)
        startup.resume_collector()  # once only
        assert gc.isenabled()
    finally:
        gc.unfreeze()
        gc.enable()


def test_resume_leaves_a_collector_it_did_not_pause_alone():
    gc.disable()
    try:
        startup.resume_collector()
        assert not gc.isenabled()
    finally:
        gc.enable()

"""Who the record names: the war room, started against the simulator the way `irtui` starts,
writes entries whose author carries the user the API server authenticated (a
SelfSubjectReview), beside the name the responder gave and the kubeconfig's user entry, and
never the $LOGNAME of the shell."""

from __future__ import annotations

import json
import os
import pwd
import socket
import sqlite3

import yaml

from irtui.config import Config
from irtui.ui.incident import NoteScreen
from irtui.ui.main import open_connection
from irtui.ui.wiring import war_room

from polling import until
from war_room_help import declare_by_keys, isolated, war_args  # noqa: F401 (isolated: a fixture)


def renamed_user_kubeconfig(sim, tmp_path, name: str) -> str:
    """The simulator's kubeconfig with the `sre` user entry (and its token) renamed `name`:
    a name on this machine, which the server knows nothing of."""
    config = yaml.safe_load(open(sim.kubeconfig, encoding="utf-8"))
    for user in config["users"]:
        if user["name"] == "sre":
            user["name"] = name
    for context in config["contexts"]:
        if context["context"]["user"] == "sre":
            context["context"]["user"] = name
    path = tmp_path / "renamed.kubeconfig"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return str(path)


def actors(store_file) -> list[tuple[str, dict]]:
    with sqlite3.connect(f"file:{store_file}?mode=ro", uri=True) as conn:
        return [(kind, json.loads(actor)) for kind, actor in
                conn.execute("SELECT kind, actor FROM entries ORDER BY seq")]


async def test_entries_name_the_user_the_cluster_authenticated(sim, isolated, monkeypatch):
    monkeypatch.setenv("LOGNAME", "cto-jane")
    monkeypatch.setenv("USER", "cto-jane")
    args = war_args(sim, isolated)
    args.kubeconfig = renamed_user_kubeconfig(sim, isolated, "cto-jane")
    args.as_name = "pat"
    config = Config.empty()
    connection = open_connection(args, config)
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(160, 50)) as pilot:
            await declare_by_keys(pilot, "Task service restarting")
            await pilot.press("N")
            await until(lambda: isinstance(app.screen, NoteScreen), "the note screen", pilot=pilot)
            await pilot.press(*"pool exhausted", "enter")
            await until(lambda: any(e.kind == "note" for e in app.session.timeline), "the note", pilot=pilot)

    written = actors(isolated / "incidents.sqlite")
    assert [kind for kind, _ in written] == ["declared", "note"]
    host = socket.gethostname()
    for _, actor in written:
        assert actor == {"user": "pat", "host": host, "kube": "cto-jane", "kube_user": "sre"}
    reviews = [r for r in sim.audit() if r["path"] == "/apis/authentication.k8s.io/v1/selfsubjectreviews"]
    assert [(r["method"], r["status"], r["user"]) for r in reviews] == [("POST", 201, "sre")]
    assert pwd.getpwuid(os.getuid()).pw_name != "cto-jane"


def test_the_simulator_answers_who_am_i_as_a_cluster_does(sim):
    """The route the app asks is the one `kubectl auth whoami` asks, answered per token."""
    for context, user in (("sim-sre", "sre"), ("sim-viewer", "viewer")):
        answer = json.loads(sim.kubectl("auth", "whoami", "-o", "json", context=context).stdout)
        assert answer["kind"] == "SelfSubjectReview"
        assert answer["status"]["userInfo"]["username"] == user


def test_a_read_only_terminal_still_learns_who_it_is(sim):
    """A review is a question: the guard lets it through, and nothing else is sent."""
    from irtui.kube.client import connect
    from irtui.kube.identity import authenticated_user
    from irtui.safety import Guard

    connection = connect(kubeconfig=sim.kubeconfig, context="sim-viewer", guard=Guard(read_only=True))
    assert authenticated_user(connection.api_client) == "viewer"
    assert [(r["method"], r["path"]) for r in sim.audit()] == [
        ("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews")]

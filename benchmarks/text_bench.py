"""What making foreign text visible costs: per call, and on the launch path of 10,000 pods.

`irtui.text.visible` runs on every text field of every row the kube sources project, so at
launch it runs ~100,000 times before the pods pane is drawn. This measures:

  calls     visible() on a pod name, a CJK string, a string with an escape sequence, and
            a 200,000-character message (plain, and with an escape at its end);
  project   projecting the simulator's 10,000 pods and 2,000 events (`project_pod`,
            `project_event`) as the sources do, with visible() in place and with it
            replaced by the identity, median of --runs.

    python benchmarks/text_bench.py [--pods 10000] [--runs 9]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))

from irtui.kube import model  # noqa: E402
from irtui.text import visible  # noqa: E402

from machine import describe  # noqa: E402

CALLS = {
    "pod name (ASCII)": "task-service-7d9f8b6c4-x2k9p",
    "CJK": "任务服务不可用，正在重启",
    "with OSC 52": "Back-off \x1b]52;c;aGVsbG8=\x07 restarting failed container",
    "200k plain": "x" * 200_000,
    "200k + escape": "x" * 199_990 + "\x1b[2J",
}


def _world_objects(pods: int) -> tuple[list[dict], list[dict]]:
    from irtui.sim.clock import SimClock
    from irtui.sim.store import Store
    from irtui.sim.world import World

    clock = SimClock(speed=0)
    store = Store(clock)
    world = World(store, clock, seed=0, extra_pods=pods, extra_nodes=max(1, pods // 20))
    world.seed()
    # As the sources see them: JSON off the wire, not the store's own dicts.
    pod_list = json.loads(json.dumps(store.list("pods")))
    events = [_event(pod, i) for i, pod in enumerate(pod_list[:2000])]
    return pod_list, events


def _event(pod: dict, i: int) -> dict:
    meta = pod["metadata"]
    return {"metadata": {"namespace": meta["namespace"], "name": f"{meta['name']}.{i:x}", "uid": f"uid-{i}",
                         "creationTimestamp": meta.get("creationTimestamp"), "resourceVersion": str(i)},
            "involvedObject": {"kind": "Pod", "name": meta["name"], "namespace": meta["namespace"]},
            "reason": "BackOff", "type": "Warning", "count": 3, "source": {"component": "kubelet"},
            "message": "Back-off restarting failed container app in pod " + meta["name"],
            "lastTimestamp": meta.get("creationTimestamp"), "firstTimestamp": meta.get("creationTimestamp")}


def _project_all(pods: list[dict], events: list[dict]) -> float:
    start = time.perf_counter()
    for obj in pods:
        model.project_pod(obj)
    for obj in events:
        model.project_event(obj)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pods", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    print(describe())

    for name, text in CALLS.items():
        number = 20 if len(text) > 1000 else 200_000
        seconds = timeit.timeit(lambda: visible(text), number=number) / number
        print(f"visible({name}): {seconds * 1e6:.3f} µs")

    pods, events = _world_objects(args.pods)
    print(f"projecting {len(pods)} pods and {len(events)} events, median of {args.runs}:")
    with_visible = statistics.median(_project_all(pods, events) for _ in range(args.runs))
    real_visible, real_first_line = model.visible, model.first_line
    model.visible = lambda text, limit=None: text or ""  # type: ignore[assignment]
    model.first_line = lambda text, limit=None: (text or "").strip().split("\n", 1)[0]  # type: ignore[assignment]
    try:
        without = statistics.median(_project_all(pods, events) for _ in range(args.runs))
    finally:
        model.visible, model.first_line = real_visible, real_first_line
    print(f"  with visible(): {with_visible * 1000:.1f} ms   identity instead: {without * 1000:.1f} ms   "
          f"cost: {(with_visible - without) * 1000:.1f} ms ({(with_visible / without - 1) * 100:.1f} %)")


if __name__ == "__main__":
    main()

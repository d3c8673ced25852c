"""The first list through a forked helper: the same rows as listing in-process, API errors
raised as the loop's own, and a lost helper replaced by listing in-process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

NS = "emrtask-prod"
PROBE = Path(__file__).with_name("prelist_probe.py")


def probe(sim, context: str, kind: str, mode: str, namespace: str = NS) -> dict:
    result = subprocess.run([sys.executable, str(PROBE), sim.kubeconfig, context, namespace, kind, mode],
                            capture_output=True, text=True, timeout=90)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_forked_first_list_gives_the_rows_of_an_in_process_list(sim_factory):
    sim = sim_factory("--pods", "2500", "--nodes", "3")  # three pages of 1,000 in load-test
    direct = probe(sim, "sim-sre", "pods", "direct", "load-test")
    forked = probe(sim, "sim-sre", "pods", "feed", "load-test")
    assert forked["helper"], "no helper was forked"
    assert forked["state"] == direct["state"] == "live"
    assert len(direct["rows"]) > 2000
    assert forked["rows"] == direct["rows"]  # every field of every row, keys included
    assert forked["lists"] == 1
    assert (direct["listed_by"], forked["listed_by"]) == ("loop", "helper")
    assert forked["helper_reaped"], "the helper was left a zombie"


def test_an_api_error_in_the_helper_is_the_loops_own(sim):
    # sim-limited may not list nodes: the helper's 403 reaches the pane as a direct list's would.
    direct = probe(sim, "sim-limited", "nodes", "direct")
    forked = probe(sim, "sim-limited", "nodes", "feed")
    assert direct["state"] == forked["state"] == "forbidden"
    assert direct["reason"] == forked["reason"] and direct["reason"].startswith("403 Forbidden")
    assert forked["rows"] == {}
    assert forked["helper_reaped"]


def test_a_lost_helper_is_replaced_by_listing_in_process(sim):
    direct = probe(sim, "sim-sre", "pods", "direct")
    lost = probe(sim, "sim-sre", "pods", "lost")
    assert lost["state"] == "live"
    assert lost["rows"] == direct["rows"] and lost["rows"]
    assert lost["lists"] == 1
    assert lost["listed_by"] == "loop"
    assert lost["helper_reaped"]

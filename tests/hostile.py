"""Hostile strings: what someone with a foothold in the cluster (or a tired responder) can
put in front of irtui, and what must never reach a terminal or a markup parser.

`ESCAPES` are control sequences of every class a terminal acts on; `MARKUP` is every kind of
tag Textual's and Rich's markup parsers read; `UNICODE` is text that is valid but easy to
mis-measure (wide, zero-width, right-to-left). `PAYLOADS` are the byte strings that must not
appear in what irtui writes to its pty: each one is a corpus sequence's own payload, which
Textual's output (full of its own ESC sequences) never contains.
"""

from __future__ import annotations

ESCAPES: dict[str, str] = {
    "csi-clear": "\x1b[2J",
    "osc52-clipboard": "\x1b]52;c;aGVsbG8=\x07",
    "osc0-title": "\x1b]0;pwned-title\x07",
    "osc8-link-st": "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\",
    "dcs": "\x1bPq#0;2;0;0;0dcs-payload\x1b\\",
    "apc": "\x1b_apc-payload\x1b\\",
    "pm": "\x1b^pm-payload\x1b\\",
    "sos": "\x1bXsos-payload\x1b\\",
    "c1-csi": "\x9b31mc1-red",
    "c1-osc": "\x9d0;c1-title\x9c",
    "bare-esc": "bare\x1bcESC",
    "bel": "ring\x07bell",
    "backspace": "secret\x08\x08\x08\x08\x08\x08shown",
    "cr": "first\rover",
    "del": "del\x7fete",
    "nul": "nul\x00byte",
}

MARKUP: dict[str, str] = {
    "bold": "[b]bold[/b]",
    "close-unknown": "BackOff[/x]",
    "click": "Probe[@click=app.quit]quit[/]",
    "link": "[link=https://x]link[/link]",
    "variable": "[$accent]accent",
    "on-red": "[on red]red background",
    "bracketed-name": "denied by [require-owner]",
    "close-all": "[/]",
}

UNICODE: dict[str, str] = {
    "cjk": "任务服务不可用",
    "zero-width": "zero\u200bwidth",
    "rtl-override": "user\u202egnp.exe",
    "emoji": "🔥 fire",
}

# What must never be in irtui's output bytes: each escape's own payload as the terminal
# would receive it.
PAYLOADS: dict[str, bytes] = {
    "csi-clear": b"\x1b[2J",
    "osc52-clipboard": b"\x1b]52;",
    "osc0-title": b"\x1b]0;pwned-title",
    "osc8-link-st": b"\x1b]8;;https://evil.example",
    "dcs": b"\x1bPq#0",
    "apc": b"\x1b_apc-payload",
    "pm": b"\x1b^pm-payload",
    "sos": b"\x1bXsos-payload",
    "c1-csi": "\x9b31m".encode(),
    "c1-osc": "\x9d0;c1-title".encode(),
    "bare-esc": b"\x1bcESC",
    "bel": b"ring\x07",
    "backspace": b"secret\x08",
    "cr": b"first\r",
    "del": b"del\x7f",
    "nul": b"nul\x00",
}

BIG = "A" * 199_990 + "\x1b]52;c;Zm9v\x07"  # 200k characters, no newline, an escape at the end


def one_line(prefix: str = "") -> str:
    """Every escape, markup tag and tricky Unicode of the corpus in one newline-free string."""
    return prefix + " ".join([*ESCAPES.values(), *MARKUP.values(), *UNICODE.values()]).replace("\n", " ")


def all_strings() -> dict[str, str]:
    return {**ESCAPES, **MARKUP, **UNICODE, "big": BIG}


# --- putting the corpus into the simulated cluster, as a foothold in it would ---------------

NS = "emrtask-prod"


def api(sim, user: str = "sre"):
    """An HTTP client for the simulator's Kubernetes API, as `user` (bearer token)."""
    import httpx
    import yaml

    with open(sim.kubeconfig) as f:
        users = yaml.safe_load(f)["users"]
    token = next(u["user"]["token"] for u in users if u["name"] == user)
    return httpx.Client(base_url=sim.url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def warning_events(sim, pod: str, reason: str, message: str, count: int = 10, name: str = "hostile") -> None:
    """A burst of Warning events about `pod` (one event object seen `count` times, just now)."""
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = {
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": name, "namespace": NS},
        "involvedObject": {"kind": "Pod", "name": pod, "namespace": NS, "apiVersion": "v1"},
        "reason": reason, "message": message, "type": "Warning", "count": count,
        "firstTimestamp": now, "lastTimestamp": now, "source": {"component": "kubelet"},
    }
    with api(sim) as http:
        response = http.post(f"/api/v1/namespaces/{NS}/events", json=body)
    response.raise_for_status()


HOSTILE_POD = "hostile-pod"
HOSTILE_CONDITION = "HostileCondition"


def plant(sim, log_pod: str) -> str:
    """Put the corpus everywhere a cluster lets it be put; returns the node given a hostile
    condition. `log_pod` (a running pod) gets the corpus, and BIG, as log lines.

    - a pod whose container image and env value carry every escape and markup kind;
    - a burst of Warning events about it, the corpus in the reason and message, and one
      event whose message is BIG;
    - a node condition whose message is the corpus."""
    line = one_line()
    with api(sim) as http:
        http.post(f"/api/v1/namespaces/{NS}/pods", json={
            "metadata": {"name": HOSTILE_POD, "labels": {"app": "hostile"}, "annotations": {"note": line}},
            "spec": {"containers": [{"name": "app", "image": "busybox:1.36" + line,
                                     "env": [{"name": "HOSTILE", "value": line}]}]},
        }).raise_for_status()
        node = http.get("/api/v1/nodes").json()["items"][0]
        conditions = [*node["status"]["conditions"],
                      {"type": HOSTILE_CONDITION, "status": "False", "reason": "Hostile\x1b]0;node\x07",
                       "message": line, "lastHeartbeatTime": None, "lastTransitionTime": None}]
        http.patch(f"/api/v1/nodes/{node['metadata']['name']}/status", json={"status": {"conditions": conditions}},
                   headers={"Content-Type": "application/merge-patch+json"}).raise_for_status()
    warning_events(sim, HOSTILE_POD, "BackOff[/x]\x1b]52;c;aGVsbG8=\x07", line, name="hostile-burst")
    warning_events(sim, HOSTILE_POD, "Big", BIG, count=1, name="hostile-big")
    sim.control("POST", f"/sim/logs/{NS}/{log_pod}", json={"lines": [*ESCAPES.values(), line, BIG]})
    return node["metadata"]["name"]

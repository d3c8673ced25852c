"""Watch and log streams stay bounded when a server never sends a newline.

The server is a small HTTP server on 127.0.0.1 (a real socket) that answers a list, then a
watch or a log whose first line has no end; the client is the real `ApiClient` over it.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from irtui.actions.investigate import LOG_LINE_MAX, LogStream
from irtui.actions.kubeapi import Kube
from irtui.kube.kubeconfig import import_client
from irtui.kube.lines import LineSplitter, LineTooLong
from irtui.kube.rest import RestClient
from irtui.kube.sources import SPECS, WATCH_LINE_MAX, ListWatch
from irtui.kube.state import STALE, Status, Upsert

from polling import until

k8s = import_client()

NEWLINE_FREE = WATCH_LINE_MAX + (1 << 20)  # bytes of the endless first line


class _Endless(BaseHTTPRequestHandler):
    """Lists are empty; the first watch sends one line with no end and then nothing; later
    watches send one pod; a log sends a line with no end and then nothing."""

    protocol_version = "HTTP/1.1"
    watches = 0
    done: threading.Event

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        if "/log" in self.path:
            self._hold(b"y" * (4 * LOG_LINE_MAX))
        elif "watch=true" in self.path:
            type(self).watches += 1
            if type(self).watches == 1:
                self._hold(b"x" * NEWLINE_FREE)
            else:
                pod = {"metadata": {"name": "after-relist", "namespace": "ns", "resourceVersion": "9"},
                       "spec": {"containers": [{"name": "c"}]}, "status": {"phase": "Running"}}
                self._hold(json.dumps({"type": "ADDED", "object": pod}).encode() + b"\n")
        else:
            body = json.dumps({"kind": "PodList", "items": [], "metadata": {"resourceVersion": "5"}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def _hold(self, first: bytes) -> None:
        """Send `first`, then keep the connection open and silent until the test ends."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            self.wfile.write(first)
            self.wfile.flush()
        except OSError:
            return
        self.done.wait(60)


@pytest.fixture
def endless_server() -> Iterator[str]:
    handler = type("Handler", (_Endless,), {"watches": 0, "done": threading.Event()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    handler.done.set()
    server.shutdown()
    server.server_close()


def _api_client(url: str):
    configuration = k8s.Configuration()
    configuration.host = url
    return k8s.ApiClient(configuration)


async def test_a_watch_line_without_end_is_dropped_and_the_kind_listed_again(endless_server):
    changes: list = []
    loop = ListWatch(RestClient(_api_client(endless_server)), SPECS["pods"], "ns", changes.append)
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    try:
        await until(lambda: any(isinstance(c, Upsert) and c.row.key.endswith("after-relist") for c in changes),
                    timeout=30, what="the pod watched after the relist")
        assert loop.dropped_lines == 1
        assert loop.lists == 2  # the state was listed afresh before watching on
        said = [c.status for c in changes if isinstance(c, Status) and c.status.state == STALE]
        assert said and "dropped a watch event over 16 MiB" in said[0].reason, said
    finally:
        loop.stop()
        thread.join(10)


async def test_a_log_line_without_end_arrives_in_bounded_pieces(endless_server):
    stream = LogStream(Kube(_api_client(endless_server)), "ns", "p", "c", follow=True)
    pieces: list[str] = []

    def read() -> None:
        for batch in stream.lines():
            pieces.extend(batch)

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    try:
        # The server sent four limits' worth and then goes silent without a newline: the
        # first three pieces must be shown without waiting for the rest of the line.
        await until(lambda: len(pieces) >= 3, timeout=30, what="three pieces of the endless line")
        assert all(len(piece) <= LOG_LINE_MAX for piece in pieces)
        assert set("".join(pieces)) == {"y"}
    finally:
        stream.close()
        thread.join(10)


# --- the splitter's rules, for any stream --------------------------------------------------

_chunks = st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\r", b"")) | st.just(b"\n"), max_size=30)


def _lines_of(data: bytes) -> list[bytes]:
    lines = data.split(b"\n")
    return lines[:-1] if lines[-1] == b"" else lines


def _feed_all(splitter: LineSplitter, chunks: list[bytes]) -> list[bytes]:
    lines = []
    for chunk in chunks:
        lines += splitter.feed(chunk)
    return lines + splitter.end()


@given(_chunks, st.integers(min_value=4, max_value=64))
def test_cut_lines_keep_every_byte_in_pieces_within_the_limit(chunks, limit):
    data = b"".join(chunks)
    lines = _feed_all(LineSplitter(limit, cut=True), chunks)
    assert all(len(line) <= limit for line in lines)
    assert b"".join(lines) == data.replace(b"\n", b"")
    whole = _lines_of(data)
    if all(len(line) <= limit for line in whole):
        assert lines == whole


@given(_chunks, st.integers(min_value=1, max_value=64))
def test_uncut_lines_are_whole_or_refused(chunks, limit):
    expected = _lines_of(b"".join(chunks))
    try:
        lines = _feed_all(LineSplitter(limit, cut=False), chunks)
    except LineTooLong:
        assert any(len(line) > limit for line in expected)
    else:
        assert lines == expected


@given(st.text(min_size=1, max_size=200), st.integers(min_value=4, max_value=16))
def test_cut_pieces_do_not_split_characters(text, limit):
    data = text.replace("\n", "").encode()
    pieces = _feed_all(LineSplitter(limit, cut=True), [data[i:i + 7] for i in range(0, len(data), 7)])
    assert "".join(piece.decode() for piece in pieces) == text.replace("\n", "")

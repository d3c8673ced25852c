"""List+watch loops for each resource kind, and the metrics.k8s.io poll.

This module owns talking to the API server for the cluster panes: one thread per kind runs
list-then-watch through the REST client (`irtui.kube.rest`) as raw HTTP, keeps the bytes
away from the official client's model classes (`json.loads` is ~7x cheaper at 10,000 pods),
projects each object to a row (`irtui.kube.model`) and puts plain changes into a
`ChangeBuffer` (`irtui.kube.state`). It never touches widgets.

Failure handling, per kind:
- 410 Gone (history expired) -> relist at once; the relist replaces the rows, so nothing
  deleted meanwhile survives as a ghost;
- dropped connection, refused, timeout, 5xx -> status STALE with the reason, wait a capped,
  jittered backoff, then relist (a restarted server has a new history: resuming a watch from
  an old resourceVersion could silently miss changes);
- 401 -> UNAUTHORIZED, 403 -> FORBIDDEN (only that kind; the others carry on), retried
  slowly in case credentials or RBAC change.
"""

from __future__ import annotations

import gc
import json
import re
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator

try:  # ~4x faster than json on a 15 MB pod list; the stdlib is the fallback
    from orjson import loads as json_loads
except ImportError:  # pragma: no cover - depends on the environment
    json_loads = json.loads  # type: ignore[assignment]  # the stdlib's takes keywords orjson's does not

from irtui.backoff import Backoff
from irtui.kube.errors import ApiError, Gone, Stopped
from irtui.kube.lines import LineSplitter, LineTooLong
from irtui.kube.liveness import Liveness
from irtui.kube.model import PROJECTIONS, object_key, project_node_metrics, project_pod_metrics
from irtui.kube.prelist import ForkedList, PrelistLost
from irtui.kube.rest import RESOURCES, RestClient, http_error, network_reason, resource_path
from irtui.kube.state import (
    CONNECTING,
    FORBIDDEN,
    KINDS,
    LIVE,
    STALE,
    UNAUTHORIZED,
    ChangeBuffer,
    Delete,
    Metrics,
    Reset,
    SourceStatus,
    Status,
    Upsert,
    Upserts,
)

WATCH_SECONDS = 240  # server-side watch timeout; the loop resumes from the last version
CONNECT_TIMEOUT = 5.0
LIST_TIMEOUT = 60.0
PROGRESS_AFTER = 1.5  # seconds into a first list before the rows so far are shown
PROGRESS_EVERY = 0.5  # and then between such updates
# The longest watch line (one event, one object) read before giving up on it. etcd stores
# no value over 1.5 MiB by default and the API server takes no request body over 3 MB, so
# no object of a real cluster comes near; past this the stream is broken or hostile, and
# waiting for its newline would only grow memory.
WATCH_LINE_MAX = 16 << 20


@dataclass(frozen=True)
class KindSpec:
    kind: str  # the panes' name: "pods"
    resource: str  # the REST client's kind: "pod"

    @property
    def namespaced(self) -> bool:
        return RESOURCES[self.resource].namespaced

    def path(self, namespace: str | None) -> str:
        return resource_path(self.resource, namespace)


SPECS: dict[str, KindSpec] = {
    "pods": KindSpec("pods", "pod"),
    "nodes": KindSpec("nodes", "node"),
    "events": KindSpec("events", "event"),
    "deployments": KindSpec("deployments", "deployment"),
    "statefulsets": KindSpec("statefulsets", "statefulset"),
}


_gc_lock = threading.Lock()
_gc_pauses = 0


class gc_paused:
    """Pause the cyclic garbage collector while a big list is parsed and projected.

    Parsing 10,000 pods allocates millions of containers, which triggers collections that
    scan them again and again (~40% of the parse time here); none of them can be garbage.
    Counted, so overlapping lists in several threads re-enable it only when the last one
    is done, and only if it was enabled before the first.
    """

    _was_enabled = False

    def __enter__(self) -> None:
        global _gc_pauses
        with _gc_lock:
            if _gc_pauses == 0:
                gc_paused._was_enabled = gc.isenabled()
                gc.disable()
            _gc_pauses += 1

    def __exit__(self, *exc) -> None:
        global _gc_pauses
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and gc_paused._was_enabled:
                gc.enable()


def iter_lines(response, limit: int = WATCH_LINE_MAX) -> Iterator[bytes]:
    """Lines of a streaming body as they arrive (a watch sends one JSON object per line);
    `LineTooLong` as soon as a line passes `limit` bytes."""
    splitter = LineSplitter(limit, cut=False)
    if response.chunked:
        chunks = response.read_chunked(decode_content=True)
    else:
        chunks = iter(lambda: response.read1(65536), b"")
    for chunk in chunks:
        for line in splitter.feed(chunk):
            if line.strip():
                yield line
    for line in splitter.end():
        if line.strip():
            yield line


_CONTINUE = re.compile(rb'"continue"\s*:\s*"([^"]+)"')


def _peek_continue(data: bytes) -> str | None:
    """The continue token of a list page, from the metadata at the head of the body."""
    head = data[:4096]
    items = head.find(b'"items"')
    match = _CONTINUE.search(head if items < 0 else head[:items])
    return match.group(1).decode() if match else None


class _Prefetch:
    """One request running on a helper thread while the caller parses the previous page."""

    def __init__(self, fetch: Callable[..., bytes], *args) -> None:
        self._result: bytes | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(fetch, args), daemon=True, name="kube-prefetch")
        self._thread.start()

    def _run(self, fetch, args) -> None:
        try:
            self._result = fetch(*args)
        except BaseException as exc:  # handed to the caller
            self._error = exc

    def result(self) -> bytes:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._result  # type: ignore[return-value]

    def result_or_none(self) -> None:
        self._thread.join()


class ListWatch:
    """One kind's list-then-watch loop. `run()` blocks until `stop()`; changes go to `emit`."""

    def __init__(self, api: RestClient, spec: KindSpec, namespace: str | None, emit: Callable[[Any], None],
                 *, page_size: int = 1000, backoff: Backoff | None = None) -> None:
        self.api = api
        self.spec = spec
        self.namespace = namespace if spec.namespaced else None
        self.emit = emit
        self.page_size = page_size
        self.backoff = backoff or Backoff()
        self.project = PROJECTIONS[spec.kind]
        self._stop = threading.Event()
        self._response: Any = None  # the watch in progress, closed to stop it
        self._last_ok: float | None = None
        self._status: SourceStatus | None = None
        self.lists = 0  # how many times this loop has listed (tests and benchmarks read it)
        self._shown: dict[str, Any] = {}  # the last row sent per key
        self.first_list_done = threading.Event()  # set after the first list, or its first failure
        self.prelist: ForkedList | None = None  # a helper already listing, for the first list
        self.listed_by = ""  # who made the last list: "helper" (forked) or "loop"
        self.dropped_lines = 0  # watch lines over WATCH_LINE_MAX, each followed by a relist
        self.heard = 0.0  # wall time of the last bytes from the server: a list, a watch line

    # -- control ------------------------------------------------------------------------

    def stop(self) -> None:
        self._stop.set()
        if self.prelist is not None:
            self.prelist.abandon()
        response = self._response
        if response is not None:
            try:  # unblock a read waiting for the next watch event
                response.shutdown()
            except Exception:
                pass

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def _set_status(self, state: str, reason: str = "", retry_at: float | None = None) -> None:
        old = self._status
        if old is not None and old.state == state and old.reason == reason and old.retry_at == retry_at and old.last_ok == self._last_ok:
            return
        since = old.since if old is not None and old.state == state else time.time()
        self._status = SourceStatus(state, reason, since, self._last_ok, retry_at)
        self.emit(Status(self.spec.kind, self._status))

    # -- the loop -----------------------------------------------------------------------

    def run(self, resource_version: str = "") -> None:
        """List, then watch, until stopped. With `resource_version` (of an earlier list), the
        first step is resuming the watch from there instead of listing."""
        try:
            self._run(resource_version)
        finally:
            if self.prelist is not None:  # stopped before its first list: reap the helper
                self.prelist.close()
                self.prelist = None

    def _run(self, resource_version: str) -> None:
        self._set_status(CONNECTING)
        rv = resource_version
        while not self._stop.is_set():
            try:
                if not rv:
                    rv = self._list()
                    self.backoff.reset()
                rv = self._watch(rv)
            except Gone:
                rv = ""
            except Stopped:
                break
            except ApiError as err:
                if self._stop.is_set():
                    break
                self.first_list_done.set()
                rv = ""
                cap = 30.0 if err.state in (FORBIDDEN, UNAUTHORIZED) else None
                delay = self.backoff.next(cap)
                self._set_status(err.state, err.reason, time.time() + delay)
                self._stop.wait(delay)
            except Exception as exc:  # never let a thread die silently with the pane frozen
                if self._stop.is_set():
                    break
                self.first_list_done.set()
                rv = ""
                delay = self.backoff.next()
                self._set_status(STALE, network_reason(exc), time.time() + delay)
                self._stop.wait(delay)

    def _list(self) -> str:
        """List every object in pages, and replace the kind's rows with the result.

        On the very first list, a slow list also shows the rows it has so far (upserts
        into an empty table), so a large cluster's pods pane fills in instead of staying
        empty until the last page. That first list may come from a forked helper
        (`prelist`); if the helper is lost, this loop lists by itself.
        """
        progressive = self.lists == 0
        prelist = self.prelist
        try:
            if prelist is not None:
                try:
                    rv = self._list_from(prelist.pages(), progressive)
                    self.listed_by = "helper"
                    return rv
                except PrelistLost:
                    if self._stop.is_set():
                        raise Stopped from None
            rv = self._list_from(self.pages(), progressive)
            self.listed_by = "loop"
            return rv
        finally:
            self.prelist = None

    def _list_from(self, pages: Iterator[tuple[list, dict[str, Any]]], progressive: bool) -> str:
        rows: list = []
        meta: dict[str, Any] = {}
        shown = 0  # rows already sent as progress
        next_progress = time.monotonic() + PROGRESS_AFTER
        for page, meta in pages:
            if self._stop.is_set():
                raise Stopped
            rows.extend(page)
            # A list that takes a while shows what it has so far, every PROGRESS_EVERY
            # seconds; a quick one shows once, whole: every update costs the UI thread a
            # pass over the table, and the last page's Reset sends everything anyway.
            if progressive and meta.get("continue") and time.monotonic() >= next_progress:
                self.emit(Upserts(self.spec.kind, rows[shown:]))
                shown = len(rows)
                next_progress = time.monotonic() + PROGRESS_EVERY
        return self._finish_list(rows, meta)

    def pages(self) -> Iterator[tuple[list, dict[str, Any]]]:
        """(rows, list metadata) per page of a paged list, projected.

        Pages are pipelined: the next page is requested (its continue token read from the
        head of the body, where the list metadata is) before this one is parsed, so the API
        server encodes page N+1 while this process parses page N.
        """
        path = self.spec.path(self.namespace)
        query: dict[str, Any] | None = {"limit": self.page_size} if self.page_size else None
        data = self.api.get_bytes(path, query)
        while True:
            if self._stop.is_set():
                raise Stopped
            prefetch = None
            token = _peek_continue(data) if self.page_size else None
            if token:
                prefetch = _Prefetch(self.api.get_bytes, path, {"limit": self.page_size, "continue": token})
            try:
                with gc_paused():
                    doc = json_loads(data)
                    del data
                    if doc.get("kind") == "Status":
                        raise http_error(int(doc.get("code") or 500), json.dumps(doc).encode())
                    project = self.project
                    page = []
                    for obj in doc.get("items") or ():
                        try:
                            page.append(project(obj))
                        except Exception:  # one malformed object must not hide the others
                            continue
                    raw_meta = doc.get("metadata") or {}
                    meta = {"continue": raw_meta.get("continue") or "",
                            "resourceVersion": raw_meta.get("resourceVersion") or ""}
                    del doc
            except BaseException:
                if prefetch is not None:
                    prefetch.result_or_none()
                raise
            yield page, meta
            token = meta["continue"]
            if not token:
                return
            if prefetch is None:
                prefetch = _Prefetch(self.api.get_bytes, path, {"limit": self.page_size, "continue": token})
            data = prefetch.result()

    def _finish_list(self, rows: list, meta: dict) -> str:
        rv = meta.get("resourceVersion", "")
        self._shown = {row.key: row for row in rows}
        self.lists += 1
        self._last_ok = self.heard = time.time()
        self.emit(Reset(self.spec.kind, rows, rv))
        self._set_status(LIVE)
        self.first_list_done.set()
        return rv or "0"

    def _watch(self, rv: str) -> str:
        query = {"watch": "true", "resourceVersion": rv, "allowWatchBookmarks": "true",
                 "timeoutSeconds": WATCH_SECONDS}
        response = self.api.open(self.spec.path(self.namespace), query,
                                 timeout=(CONNECT_TIMEOUT, WATCH_SECONDS + 30))
        self._response = response
        kind = self.spec.kind
        project = self.project
        emit = self.emit
        try:
            if self._stop.is_set():
                raise Stopped
            for line in iter_lines(response):
                self.heard = time.time()
                if self._stop.is_set():
                    raise Stopped
                try:
                    event = json_loads(line)
                except ValueError:
                    continue
                etype = event.get("type")
                obj = event.get("object") or {}
                if etype == "ERROR":
                    code = int(obj.get("code") or 0)
                    if code == 410:
                        raise Gone
                    raise http_error(code or 500, json.dumps(obj).encode())
                new_rv = (obj.get("metadata") or {}).get("resourceVersion")
                if new_rv:
                    rv = new_rv
                if etype == "BOOKMARK":
                    continue
                try:
                    if etype == "DELETED":
                        key = object_key(obj)
                        self._shown.pop(key, None)
                        emit(Delete(kind, key))
                    elif etype in ("ADDED", "MODIFIED"):
                        row = project(obj)
                        # Most updates change nothing a pane shows (node heartbeats, managed
                        # fields, probe timestamps): drop them here, off the UI thread.
                        if self._shown.get(row.key) != row:
                            self._shown[row.key] = row
                            emit(Upsert(kind, row))
                except Exception:
                    continue
                self._last_ok = time.time()
        except (Gone, Stopped, ApiError):
            raise
        except LineTooLong as exc:
            # An event was lost, so the rows can no longer be trusted: list afresh. The
            # rest of that line is not read: the connection goes, not back to the pool.
            self.dropped_lines += 1
            response.close()
            raise ApiError(STALE, f"dropped a watch event over {exc.limit >> 20} MiB "
                                  f"({self.dropped_lines} so far); listing again") from exc
        except Exception as exc:
            if self._stop.is_set():
                raise Stopped from exc
            raise ApiError(STALE, network_reason(exc)) from exc
        finally:
            self._response = None
            try:
                response.release_conn()
            except Exception:
                pass
        if self._stop.is_set():
            raise Stopped
        # The server ended the watch (its timeout, or it went away): resume from rv. If it
        # went away, the next request fails and the error path relists after backoff.
        self._last_ok = time.time()
        return rv


class MetricsPoll:
    """Polls metrics.k8s.io (it cannot be watched); re-armed after each poll finishes."""

    FIRST_POLL_WAIT = 5.0  # longest the first poll waits for `after` (the pods list)
    SETTLE = 1.0  # and how long after it

    def __init__(self, api: RestClient, namespace: str | None, emit: Callable[[Any], None],
                 *, interval: float = 30.0, nodes: bool = True, pods: bool = True,
                 after: threading.Event | None = None) -> None:
        self.api = api
        self.namespace = namespace
        self.emit = emit
        self.interval = interval
        self.nodes = nodes
        self.pods = pods
        self.after = after
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def _poll(self, kind: str) -> int:
        path = resource_path("podmetrics" if kind == "pods" else "nodemetrics", self.namespace)
        try:
            doc = self.api.get_json(path)
        except ApiError as err:
            reason = "metrics.k8s.io not available" if err.status in (404, 503) else err.reason
            self.emit(Metrics(kind, None, reason))
            return 0
        except Exception as exc:
            self.emit(Metrics(kind, None, network_reason(exc)))
            return 0
        with gc_paused():
            items = doc.get("items") or []
            usage = project_pod_metrics(items) if kind == "pods" else project_node_metrics(items)
        self.emit(Metrics(kind, usage))
        return len(items)

    def run(self) -> None:
        if self.after is not None:
            # At launch the pods list is what the user waits for. Usage of 10,000 pods is a
            # second large response (~3.7 MB) to encode on the server and parse here; asked
            # for at the same time (or while the app applies and draws the list, just after
            # it arrives), it delays the pods pane for CPU/MEM columns that can come later.
            deadline = time.monotonic() + self.FIRST_POLL_WAIT
            while not self._stop.is_set() and time.monotonic() < deadline:
                if self.after.wait(0.05):
                    self._stop.wait(min(self.SETTLE, max(0.0, deadline - time.monotonic())))
                    break
        while not self._stop.is_set():
            started = time.monotonic()
            count = 0
            if self.nodes:
                count += self._poll("nodes")
            if self.pods and not self._stop.is_set():
                count += self._poll("pods")
            # Large clusters: parsing every pod's usage is the one recurring cost when
            # nothing changes, so poll less often there.
            interval = self.interval * (2 if count > 3000 else 1)
            interval = max(interval, 10 * (time.monotonic() - started))
            self._stop.wait(interval)


def _timed_out(exc: BaseException) -> bool:
    # "timed out", and a TLS handshake that did ("TLS: The handshake operation timed out").
    return isinstance(exc, ApiError) and "timed out" in exc.reason


def _thread_spawn(name: str, fn: Callable[[], None]) -> None:
    threading.Thread(target=fn, name=name, daemon=True).start()


class ClusterSources:
    """All sources for one connection and namespace scope, feeding one `ChangeBuffer`.

    `spawn(name, fn)` runs `fn` on a thread of its own (default: a daemon thread). Each
    loop ends when stopped; `stop()` also closes open watch responses so no thread stays
    blocked on a socket.
    """

    def __init__(self, api_client, buffer: ChangeBuffer, namespace: str | None, *,
                 kinds: tuple[str, ...] = KINDS, metrics: bool = True, metrics_interval: float = 30.0,
                 spawn: Callable[[str, Callable[[], None]], Any] | None = None) -> None:
        self.raw = RestClient(api_client, timeout=LIST_TIMEOUT)
        self.buffer = buffer
        self.namespace = namespace
        self.kinds = kinds
        self.metrics = metrics
        self.metrics_interval = metrics_interval
        self.spawn = spawn or _thread_spawn
        self._lock = threading.Lock()
        self.loops: dict[str, ListWatch] = {}
        self._metrics: MetricsPoll | None = None
        self._liveness: Liveness | None = None
        self._epoch = 0
        self._stopped = False

    def _emitter(self, kind: str) -> Callable[[Any], None]:
        with self._lock:
            epoch = self._epoch
        scoped = kind == "metrics" or (kind in SPECS and SPECS[kind].namespaced)

        def emit(change) -> None:
            # Changes from a namespaced loop that was stopped (namespace switch) must not
            # land after the state was cleared for the new scope; cluster-scoped loops
            # (nodes) keep running across switches and only stop with everything.
            with self._lock:
                if self._stopped or (scoped and epoch != self._epoch):
                    return
                self.buffer.put(change)
        return emit

    def start(self, *, fork_first_list: tuple[str, ...] = ()) -> None:
        """Start every loop not running. Kinds in `fork_first_list` get their first list
        from a forked helper (`irtui.kube.prelist`); only for a caller that has started no
        thread yet, since every helper is forked before any loop's thread starts."""
        loops = [ListWatch(self.raw, SPECS[kind], self.namespace, self._emitter(kind))
                 for kind in self.kinds if kind not in self.loops]
        for loop in loops:
            if loop.spec.kind in fork_first_list:
                loop.prelist = ForkedList.start(loop)
        for loop in loops:
            self.loops[loop.spec.kind] = loop
            self.spawn(f"kube-{loop.spec.kind}", loop.run)
        if self.metrics and self._metrics is None:
            self._start_metrics()
        if self._liveness is None:
            self._liveness = Liveness(self.last_heard, self._probe, _timed_out, self._emitter("api"))
            self.spawn("kube-liveness", self._liveness.run)

    def last_heard(self) -> float:
        """Wall time of the last bytes any list or watch received."""
        return max((loop.heard for loop in list(self.loops.values())), default=0.0)

    def _probe(self, timeout: float) -> None:
        self.raw.ping(timeout)

    def _start_metrics(self) -> None:
        pods = self.loops.get("pods")
        after = pods.first_list_done if pods is not None else None
        poll = MetricsPoll(self.raw, self.namespace, self._emitter("metrics"), interval=self.metrics_interval,
                           after=after)
        self._metrics = poll
        self.spawn("kube-metrics", poll.run)

    def set_namespace(self, namespace: str | None, *, start: bool = True) -> None:
        """Restart the namespaced loops for a new scope (None: all namespaces).

        With `start=False` the old loops are only stopped (their late changes are dropped
        from here on); the caller clears its state, then calls `start()`.
        """
        with self._lock:
            self._epoch += 1
            self.namespace = namespace
            for kind, loop in list(self.loops.items()):
                if SPECS[kind].namespaced:
                    loop.stop()
                    del self.loops[kind]
            if self._metrics is not None:
                self._metrics.stop()
                self._metrics = None
        if start:
            self.start()

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            for loop in self.loops.values():
                loop.stop()
            if self._metrics is not None:
                self._metrics.stop()
            if self._liveness is not None:
                self._liveness.stop()
        self.loops.clear()
        self._metrics = None

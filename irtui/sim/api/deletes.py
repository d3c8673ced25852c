"""DELETE of one object or a collection, with the garbage collector's part of the job.

A pod on a node is deleted gracefully: it gets a deletionTimestamp and the kubelet removes it
when its containers have stopped (grace 0, kubectl's `--force`, removes it at once). An owner
takes its dependents with it in the background or first (Foreground), or leaves them orphaned;
a namespace takes everything in it. Preconditions (uid, resourceVersion) and `dryRun=All`
are honoured as the real API server honours them.
"""

from __future__ import annotations

import copy
from datetime import timedelta

from aiohttp import web

from irtui.sim.api.http import RequestInfo, flag, is_dry_run, json_response, lookup, read_body, select, store_kind
from irtui.sim.api.writes import OWNER_KINDS
from irtui.sim.clock import SimClock
from irtui.sim.discovery import Resource
from irtui.sim.errors import ApiError, conflict, not_found
from irtui.sim.store import Store, format_time


class Deletes:
    """delete and deletecollection, over the store."""

    def __init__(self, store: Store, clock: SimClock) -> None:
        self.store = store
        self.clock = clock

    async def _delete_options(self, request: web.Request) -> dict:
        options = await read_body(request) or {}
        if not isinstance(options, dict):
            raise ApiError(400, "DeleteOptions must be an object")
        query = request.query
        if "gracePeriodSeconds" in query:
            options["gracePeriodSeconds"] = int(query["gracePeriodSeconds"])
        if "propagationPolicy" in query:
            options["propagationPolicy"] = query["propagationPolicy"]
        if query.get("orphanDependents") is not None and "propagationPolicy" not in options:
            options["propagationPolicy"] = "Orphan" if flag(query["orphanDependents"]) else "Background"
        if options.get("orphanDependents") is not None and "propagationPolicy" not in options:
            options["propagationPolicy"] = "Orphan" if options["orphanDependents"] else "Background"
        policy = options.get("propagationPolicy")
        if policy is not None and policy not in ("Background", "Foreground", "Orphan"):
            raise ApiError(422, f'propagationPolicy: Unsupported value: "{policy}"')
        return options

    async def delete(self, request: web.Request, info: RequestInfo, res: Resource) -> web.Response:
        kind = store_kind(res)
        dry_run = is_dry_run(request)
        options = await self._delete_options(request)
        obj = lookup(self.store, info, res)
        precondition = (options.get("preconditions") or {})
        if precondition.get("uid") and precondition["uid"] != obj["metadata"]["uid"]:
            raise ApiError(409, "Precondition failed: UID in precondition does not match the object", "Conflict")
        if precondition.get("resourceVersion") and precondition["resourceVersion"] != obj["metadata"]["resourceVersion"]:
            raise conflict(res.plural, info.name or "", res.group)
        result = self.delete_object(kind, info.namespace, info.name or "", options.get("gracePeriodSeconds"),
                                    options.get("propagationPolicy"), dry_run=dry_run)
        return json_response(result)

    async def delete_collection(self, request: web.Request, info: RequestInfo, res: Resource) -> web.Response:
        kind = store_kind(res)
        dry_run = is_dry_run(request)
        options = await self._delete_options(request)
        items = [o for o, _ in select(self.store, request, info, kind)]
        deleted = []
        for obj in items:
            meta = obj["metadata"]
            try:
                deleted.append(self.delete_object(kind, meta.get("namespace"), meta["name"],
                                                  options.get("gracePeriodSeconds"),
                                                  options.get("propagationPolicy"), dry_run=dry_run))
            except ApiError as err:
                if err.code != 404:
                    raise
        return json_response({"kind": res.list_kind, "apiVersion": res.api_version,
                              "metadata": {"resourceVersion": str(self.store.resource_version)}, "items": deleted})

    def delete_object(self, kind: str, namespace: str | None, name: str, grace: int | None,
                      propagation: str | None, *, dry_run: bool = False) -> dict:
        """Delete as the API server and garbage collector do together.

        Pods on a node end gracefully: they get a deletionTimestamp and the world's kubelet
        removes them when it passes; grace 0 (kubectl's --force) removes them at once.
        Owners delete their dependents (Background, Foreground) or orphan them.
        """
        obj = self.store.get(kind, namespace, name)
        if obj is None:
            raise not_found(kind, name)
        if kind == "pods":
            return self._delete_pod(obj, grace, dry_run)
        uid = obj["metadata"]["uid"]
        policy = propagation or "Background"
        dependents = self.store.dependents(uid) if kind in OWNER_KINDS or kind == "namespaces" else []
        if kind == "namespaces":
            dependents = [(k, o) for k in self.store.kinds() for o in self.store.list(k, name)
                          if k not in ("namespaces", "nodes")]
        if dry_run:
            return obj
        if policy == "Orphan" and kind != "namespaces":
            for dep_kind, dep in dependents:
                orphan = copy.deepcopy(dep)
                orphan["metadata"]["ownerReferences"] = [r for r in dep["metadata"].get("ownerReferences") or []
                                                         if r.get("uid") != uid]
                if not orphan["metadata"]["ownerReferences"]:
                    del orphan["metadata"]["ownerReferences"]
                self.store.update(dep_kind, orphan)
            dependents = []
        if policy == "Foreground":
            self._delete_dependents(dependents)
            return self.store.delete(kind, namespace, name)
        gone_obj = self.store.delete(kind, namespace, name)
        self._delete_dependents(dependents)
        return gone_obj

    def _delete_dependents(self, dependents: list[tuple[str, dict]]) -> None:
        for dep_kind, dep in dependents:
            meta = dep["metadata"]
            if self.store.get(dep_kind, meta.get("namespace"), meta["name"]) is None:
                continue
            self.delete_object(dep_kind, meta.get("namespace"), meta["name"], None, "Background")

    def _delete_pod(self, pod: dict, grace: int | None, dry_run: bool) -> dict:
        meta = pod["metadata"]
        spec = pod.get("spec") or {}
        if grace is None:
            grace = meta.get("deletionGracePeriodSeconds", spec.get("terminationGracePeriodSeconds", 30))
        phase = (pod.get("status") or {}).get("phase")
        immediate = grace <= 0 or not spec.get("nodeName") or phase in ("Succeeded", "Failed")
        if dry_run:
            return pod
        if immediate:
            return self.store.delete("pods", meta.get("namespace"), meta["name"])
        current = meta.get("deletionGracePeriodSeconds")
        if current is not None and current <= grace:
            return pod  # already terminating at least as fast
        marked = copy.deepcopy(pod)
        marked["metadata"]["deletionTimestamp"] = format_time(self.clock.now() + timedelta(seconds=grace))
        marked["metadata"]["deletionGracePeriodSeconds"] = grace
        return self.store.update("pods", marked)

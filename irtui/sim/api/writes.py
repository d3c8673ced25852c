"""Writes that keep an object: create, update (PUT), patch, and the status and scale subresources.

Each write is checked as the API server's validation and admission would (names, required
fields, a selector that matches its template), gets the defaults a real server fills in,
keeps what a client cannot change through the main resource (status, deletion state), and
honours `dryRun=All` and resourceVersion preconditions. Deletion is `irtui.sim.api.deletes`.
"""

from __future__ import annotations

import base64
import copy
from typing import Any

from aiohttp import web

from irtui.sim.api.http import (
    RequestInfo,
    is_dry_run,
    json_response,
    lookup,
    raw_response,
    read_body,
    read_object,
    store_kind,
)
from irtui.sim.discovery import Resource
from irtui.sim.errors import ApiError, already_exists, conflict, invalid, method_not_allowed, not_found
from irtui.sim.patch import apply_patch
from irtui.sim.selectors import parse_label_selector, selector_from_match_labels
from irtui.sim.store import AlreadyExists, Conflict, NotFound, Store

OWNER_KINDS = ("deployments", "replicasets", "statefulsets")
DNS1123_SUBDOMAIN_MAX = 253


def prune_nulls(value: Any) -> Any:
    """Drop null fields, as decoding into the API's Go types does.

    kubectl serializes unset times as `"creationTimestamp": null` (rollout undo sends a pod
    template with one); a real server reads that as unset, so a template rolled back to is
    byte-for-byte the template it came from.
    """
    if isinstance(value, dict):
        return {k: prune_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [prune_nulls(v) for v in value]
    return value


def valid_name(name: str) -> bool:
    if not name or len(name) > DNS1123_SUBDOMAIN_MAX:
        return False
    allowed = set("abcdefghijklmnopqrstuvwxyz0123456789-.")
    return set(name) <= allowed and name[0].isalnum() and name[-1].isalnum()


class Writes:
    """create, update, patch, status and scale, over the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _validate(self, kind: str, res: Resource, obj: dict) -> None:
        meta = obj.get("metadata") or {}
        name = meta.get("name") or meta.get("generateName") or ""
        causes: list[tuple[str, str]] = []
        if meta.get("name") and not valid_name(meta["name"]):
            causes.append(("metadata.name", f'Invalid value: "{meta["name"]}": a lowercase RFC 1123 subdomain must '
                                            "consist of lower case alphanumeric characters, '-' or '.', and must "
                                            "start and end with an alphanumeric character"))
        if not meta.get("name") and not meta.get("generateName"):
            causes.append(("metadata.name", "Required value: name or generateName is required"))
        spec = obj.get("spec") or {}
        if kind == "pods":
            containers = spec.get("containers") or []
            if not containers:
                causes.append(("spec.containers", "Required value"))
            for i, c in enumerate(containers):
                if not c.get("name"):
                    causes.append((f"spec.containers[{i}].name", "Required value"))
                if not c.get("image"):
                    causes.append((f"spec.containers[{i}].image", "Required value"))
        if kind in OWNER_KINDS:
            replicas = spec.get("replicas", 1)
            if not isinstance(replicas, int) or replicas < 0:
                causes.append(("spec.replicas", f"Invalid value: {replicas}: must be greater than or equal to 0"))
            selector = spec.get("selector")
            if not selector:
                causes.append(("spec.selector", "Required value"))
            else:
                template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
                match = parse_label_selector(selector_from_match_labels(selector))
                if match is not None and not match(template_labels):
                    causes.append(("spec.template.metadata.labels",
                                   f"Invalid value: {template_labels}: `selector` does not match template `labels`"))
        if causes:
            raise invalid(res.kind, name, causes, res.group)

    async def create(self, request: web.Request, info: RequestInfo, res: Resource) -> web.Response:
        kind = store_kind(res)
        dry_run = is_dry_run(request)
        obj = await read_object(request)
        meta = obj.setdefault("metadata", {})
        if res.namespaced:
            if meta.get("namespace") and meta["namespace"] != info.namespace:
                raise ApiError(400, "the namespace of the provided object does not match the namespace sent on the request")
            meta["namespace"] = info.namespace
            if self.store.get("namespaces", None, info.namespace) is None:
                raise not_found("namespaces", info.namespace or "")
        obj = prune_nulls(obj)
        meta = obj.setdefault("metadata", {})
        obj.setdefault("kind", res.kind)
        obj.setdefault("apiVersion", res.api_version)
        for server_field in ("uid", "resourceVersion", "creationTimestamp", "deletionTimestamp",
                             "deletionGracePeriodSeconds", "generation"):
            meta.pop(server_field, None)
        self._validate(kind, res, obj)
        self._defaults(kind, obj)
        try:
            created = self.store.create(kind, obj, dry_run=dry_run)
        except AlreadyExists:
            raise already_exists(res.plural, meta.get("name", ""), res.group) from None
        return json_response(created, status=201)

    def _defaults(self, kind: str, obj: dict) -> None:
        if kind == "pods":
            spec = obj.setdefault("spec", {})
            spec.setdefault("restartPolicy", "Always")
            spec.setdefault("terminationGracePeriodSeconds", 30)
            spec.setdefault("dnsPolicy", "ClusterFirst")
            spec.setdefault("schedulerName", "default-scheduler")
            obj.setdefault("status", {"phase": "Pending", "qosClass": "BestEffort"})
        elif kind in OWNER_KINDS:
            obj.setdefault("spec", {}).setdefault("replicas", 1)
            obj.setdefault("status", {})
            if kind == "deployments":
                spec = obj["spec"]
                spec.setdefault("revisionHistoryLimit", 10)
                spec.setdefault("progressDeadlineSeconds", 600)
                spec.setdefault("strategy", {"type": "RollingUpdate",
                                             "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}})
        elif kind == "namespaces":
            obj.setdefault("status", {"phase": "Active"})
            obj.setdefault("spec", {"finalizers": ["kubernetes"]})
        elif kind == "secrets":
            if not obj.get("type"):
                obj["type"] = "Opaque"
            string_data = obj.pop("stringData", None)
            if string_data:
                data = obj.setdefault("data", {})
                for k, v in string_data.items():
                    data[k] = base64.b64encode(v.encode()).decode()
        elif kind == "services":
            spec = obj.setdefault("spec", {})
            spec.setdefault("type", "ClusterIP")
            spec.setdefault("sessionAffinity", "None")
            for port in spec.get("ports") or []:
                port.setdefault("protocol", "TCP")
                port.setdefault("targetPort", port.get("port"))

    def _carry_server_fields(self, res: Resource, old: dict, new: dict) -> dict:
        """What a client cannot change through the main resource: status, deletion state."""
        new = dict(new)
        meta = dict(new.get("metadata") or {})
        for f in ("deletionTimestamp", "deletionGracePeriodSeconds"):
            if f in old["metadata"]:
                meta[f] = old["metadata"][f]
            else:
                meta.pop(f, None)
        new["metadata"] = meta
        if "status" in res.subresources:
            if "status" in old:
                new["status"] = old["status"]
            else:
                new.pop("status", None)
        new["kind"], new["apiVersion"] = res.kind, res.api_version
        return prune_nulls(new)

    def _write(self, kind: str, res: Resource, obj: dict, *, check_rv: bool, dry_run: bool) -> dict:
        try:
            return self.store.update(kind, obj, check_rv=check_rv, dry_run=dry_run)
        except Conflict:
            raise conflict(res.plural, obj["metadata"]["name"], res.group) from None
        except NotFound:
            raise not_found(res.plural, obj["metadata"]["name"], res.group) from None

    async def update(self, request: web.Request, info: RequestInfo, res: Resource) -> web.Response:
        kind = store_kind(res)
        dry_run = is_dry_run(request)
        body = await read_object(request)
        old = lookup(self.store, info, res)
        meta = body.setdefault("metadata", {})
        if meta.get("name") and meta["name"] != info.name:
            raise ApiError(400, "the name of the object does not match the name on the URL")
        meta["name"] = info.name
        if res.namespaced:
            meta["namespace"] = info.namespace
        new = self._carry_server_fields(res, old, body)
        self._validate(kind, res, new)
        updated = self._write(kind, res, new, check_rv=bool(meta.get("resourceVersion")), dry_run=dry_run)
        return json_response(updated)

    async def _patched(self, request: web.Request, target: dict) -> tuple[dict, Any]:
        patch = await read_body(request)
        if patch is None:
            raise ApiError(400, "a patch body is required")
        result = apply_patch(request.headers.get("Content-Type", ""), target, patch)
        if not isinstance(result, dict):
            raise ApiError(422, "the patch does not produce an object")
        return result, patch

    async def patch(self, request: web.Request, info: RequestInfo, res: Resource) -> web.Response:
        kind = store_kind(res)
        dry_run = is_dry_run(request)
        old = lookup(self.store, info, res)
        patched, patch = await self._patched(request, old)
        # A resourceVersion in the patch is a precondition (kubectl sends one with --resource-version).
        patch_meta = patch.get("metadata") if isinstance(patch, dict) else None
        check_rv = bool(isinstance(patch_meta, dict) and patch_meta.get("resourceVersion"))
        meta = patched.setdefault("metadata", {})
        meta["name"] = info.name
        if res.namespaced:
            meta["namespace"] = info.namespace
        if not check_rv:
            meta["resourceVersion"] = old["metadata"]["resourceVersion"]
        new = self._carry_server_fields(res, old, patched)
        self._validate(kind, res, new)
        return json_response(self._write(kind, res, new, check_rv=check_rv, dry_run=dry_run))

    async def status(self, request: web.Request, info: RequestInfo, res: Resource) -> web.Response:
        kind = store_kind(res)
        old = lookup(self.store, info, res)
        if request.method == "GET":
            return raw_response(self.store.get_raw(kind, info.namespace, info.name))
        dry_run = is_dry_run(request)
        if request.method == "PUT":
            body = await read_object(request)
            source, check_rv = body, bool((body.get("metadata") or {}).get("resourceVersion"))
            rv = (body.get("metadata") or {}).get("resourceVersion")
        elif request.method == "PATCH":
            source, _ = await self._patched(request, old)
            check_rv, rv = False, None
        else:
            raise method_not_allowed()
        new = copy.deepcopy(old)
        new["status"] = source.get("status", {})
        if rv:
            new["metadata"]["resourceVersion"] = rv
        return json_response(self._write(kind, res, new, check_rv=check_rv, dry_run=dry_run))

    # --- subresources --------------------------------------------------------------------

    def _scale_object(self, obj: dict) -> dict:
        meta = obj["metadata"]
        spec, status = obj.get("spec") or {}, obj.get("status") or {}
        return {
            "kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                         if k in meta},
            "spec": {"replicas": spec.get("replicas", 1)},
            "status": {"replicas": status.get("replicas", 0),
                       "selector": selector_from_match_labels(spec.get("selector"))},
        }

    async def scale(self, request: web.Request, info: RequestInfo, res: Resource) -> web.Response:
        kind = store_kind(res)
        obj = lookup(self.store, info, res)
        scale = self._scale_object(obj)
        if request.method == "GET":
            return json_response(scale)
        dry_run = is_dry_run(request)
        if request.method == "PUT":
            body = await read_object(request)
            wanted = body
        elif request.method == "PATCH":
            wanted, _ = await self._patched(request, scale)
        else:
            raise method_not_allowed()
        rv = (wanted.get("metadata") or {}).get("resourceVersion")
        if rv and rv != obj["metadata"]["resourceVersion"]:
            raise conflict(res.plural, info.name or "", res.group)
        replicas = (wanted.get("spec") or {}).get("replicas")
        if not isinstance(replicas, int) or replicas < 0:
            raise invalid("Scale", info.name or "", [("spec.replicas", f"Invalid value: {replicas}: must be "
                                                                     "greater than or equal to 0")], "autoscaling")
        new = copy.deepcopy(obj)
        new["spec"]["replicas"] = replicas
        updated = self.store.update(kind, new, dry_run=dry_run)
        return json_response(self._scale_object(updated))

"""The three patch formats kubectl and the clients send.

- JSON merge patch (RFC 7386): maps merge, `null` deletes, lists replace.
- JSON patch (RFC 6902): add, remove, replace, move, copy, test.
- Strategic merge patch: a merge patch in which lists of named things (containers, env,
  ports, volumes, conditions ...) merge by their key, with the `$patch` directives
  (`delete`, `replace`, `merge`) and the `$setElementOrder`/`$retainKeys`/
  `$deleteFromPrimitiveList` keys kubectl adds. The merge keys are the ones Kubernetes' Go
  types declare (`patchMergeKey`), looked up by field name, which is unambiguous for the
  resources the simulator serves.

Functions never change their inputs; they return new objects.
"""

from __future__ import annotations

import copy
from typing import Any

from irtui.sim.errors import ApiError

# field name -> merge key, from the Go types' patchMergeKey tags.
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "ports": "containerPort",  # service ports use "port": handled in _merge_key
    "volumes": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "imagePullSecrets": "name",
    "conditions": "type",
    "ownerReferences": "uid",
    "hostAliases": "ip",
    "topologySpreadConstraints": "topologyKey",
    "taints": "key",
    "addresses": "type",
    "resourceClaims": "name",
    "schedulingGates": "name",
    "readinessGates": "conditionType",
}

# Lists of scalars that merge as sets.
MERGE_SETS = {"finalizers"}


def _merge_key(field: str, items: list) -> str | None:
    key = MERGE_KEYS.get(field)
    if field == "ports" and items and isinstance(items[0], dict) and "containerPort" not in items[0] and "port" in items[0]:
        return "port"
    return key


def merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise ApiError(422, f"invalid JSON pointer {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _walk(doc: Any, parts: list[str]) -> Any:
    for part in parts:
        if isinstance(doc, list):
            doc = doc[int(part)]
        elif isinstance(doc, dict):
            doc = doc[part]
        else:
            raise KeyError(part)
    return doc


def json_patch(target: Any, operations: list) -> Any:
    if not isinstance(operations, list):
        raise ApiError(400, "json patch must be a list of operations")
    doc = copy.deepcopy(target)
    for op in operations:
        kind = op.get("op")
        try:
            parts = _pointer(op.get("path", ""))
            if kind in ("add", "replace", "test"):
                value = copy.deepcopy(op["value"])
            if kind in ("move", "copy"):
                from_parts = _pointer(op["from"])
                value = copy.deepcopy(_walk(doc, from_parts))
                if kind == "move":
                    doc = _remove(doc, from_parts)
                kind = "add"
            if kind == "test":
                if _walk(doc, parts) != value:
                    raise ApiError(422, f"test operation failed at {op.get('path')}")
                continue
            if kind == "remove":
                doc = _remove(doc, parts)
                continue
            if not parts:
                doc = value
                continue
            parent = _walk(doc, parts[:-1])
            last = parts[-1]
            if isinstance(parent, list):
                index = len(parent) if last == "-" else int(last)
                if kind == "add":
                    if index > len(parent):
                        raise IndexError(index)
                    parent.insert(index, value)
                else:
                    parent[index] = value
            elif isinstance(parent, dict):
                if kind == "replace" and last not in parent:
                    raise KeyError(last)
                parent[last] = value
            else:
                raise KeyError(last)
        except (KeyError, IndexError, ValueError, TypeError) as exc:
            if isinstance(exc, ApiError):
                raise
            raise ApiError(422, f"the server rejected our request due to an error in our request: "
                                f"{kind} operation does not apply: doc is missing path: {op.get('path')!r}") from None
        if kind not in ("add", "replace", "remove", "test", "move", "copy"):
            raise ApiError(400, f"unknown json patch operation {kind!r}")
    return doc


def _remove(doc: Any, parts: list[str]) -> Any:
    if not parts:
        return None
    parent = _walk(doc, parts[:-1])
    if isinstance(parent, list):
        del parent[int(parts[-1])]
    else:
        del parent[parts[-1]]
    return doc


def strategic_merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    return _smp_map(target if isinstance(target, dict) else {}, patch)


def _smp_map(target: dict, patch: dict) -> dict:
    directive = patch.get("$patch")
    if directive == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    if directive == "delete":
        return {}
    result = copy.deepcopy(target)
    retain = patch.get("$retainKeys")
    for key, value in patch.items():
        if key.startswith("$"):
            continue
        if key.startswith("$setElementOrder/"):
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            continue
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            current = result.get(key)
            merged = _smp_map(current if isinstance(current, dict) else {}, value)
            if value.get("$patch") == "delete":
                result.pop(key, None)
            else:
                result[key] = merged
        elif isinstance(value, list):
            result[key] = _smp_list(key, result.get(key), value)
        else:
            result[key] = copy.deepcopy(value)
    for key, value in patch.items():
        if key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            if isinstance(result.get(field), list):
                result[field] = [v for v in result[field] if v not in value]
    if isinstance(retain, list):
        result = {k: v for k, v in result.items() if k in retain}
    return result


def _smp_list(field: str, current: Any, patch: list) -> list:
    current = current if isinstance(current, list) else []
    if field in MERGE_SETS:
        merged = list(current)
        for v in patch:
            if v not in merged:
                merged.append(v)
        return copy.deepcopy(merged)
    dict_items = [p for p in patch if isinstance(p, dict)]
    key = _merge_key(field, dict_items or current)
    if key is None or len(dict_items) != len(patch):
        # Lists without a merge key are atomic: the patch replaces them.
        return [copy.deepcopy(p) for p in patch if not (isinstance(p, dict) and "$patch" in p)]
    if any(p.get("$patch") == "replace" for p in dict_items):
        return [copy.deepcopy({k: v for k, v in p.items() if k != "$patch"}) for p in dict_items if p.get("$patch") != "replace"]
    result = copy.deepcopy(current)
    for item in dict_items:
        ident = item.get(key)
        index = next((i for i, c in enumerate(result) if isinstance(c, dict) and c.get(key) == ident), None)
        if item.get("$patch") == "delete":
            if index is not None:
                del result[index]
            continue
        if index is None:
            result.append(_smp_map({}, item))
        else:
            result[index] = _smp_map(result[index], item)
    return result


def apply_patch(content_type: str, target: dict, patch: Any) -> dict:
    ct = content_type.split(";")[0].strip().lower()
    if ct == "application/json-patch+json":
        return json_patch(target, patch)
    if ct == "application/merge-patch+json":
        return merge_patch(target, patch)
    if ct == "application/strategic-merge-patch+json":
        return strategic_merge_patch(target, patch)
    if ct == "application/apply-patch+yaml":
        raise ApiError(415, "server-side apply is not supported by the simulator", "UnsupportedMediaType")
    raise ApiError(415, "the body of the request was in an unknown format - accepted media types include: "
                        "application/json-patch+json, application/merge-patch+json, "
                        "application/strategic-merge-patch+json", "UnsupportedMediaType")

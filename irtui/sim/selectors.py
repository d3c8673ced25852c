"""Label and field selectors, parsed and matched as the API server does.

Label selectors support `=`, `==`, `!=`, `in`, `notin`, `key` and `!key`. Field selectors
support `=`, `==` and `!=` over the fields each resource exposes (kubectl describe filters
events by `involvedObject.*`); an unsupported field is a 400, as on a real server.
"""

from __future__ import annotations

from typing import Any, Callable

from irtui.sim.errors import ApiError

Matcher = Callable[[dict], bool]


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def _set_values(text: str) -> set[str]:
    text = text.strip()
    if not (text.startswith("(") and text.endswith(")")):
        raise ApiError(400, f"unable to parse requirement: found '{text}', expected: '('")
    return {v.strip() for v in text[1:-1].split(",") if v.strip()}


def parse_label_selector(text: str | None) -> Matcher | None:
    """A predicate over label dicts, or None when the selector selects everything."""
    if not text or not text.strip():
        return None
    requirements: list[Callable[[dict], bool]] = []
    for part in _split_top_level(text):
        words = part.split(None, 1)
        if len(words) == 2 and words[1].startswith("notin"):
            key, values = words[0], _set_values(words[1][5:])
            requirements.append(lambda labels, k=key, v=values: labels.get(k) not in v)
        elif len(words) == 2 and words[1].startswith("in"):
            key, values = words[0], _set_values(words[1][2:])
            requirements.append(lambda labels, k=key, v=values: labels.get(k) in v)
        elif "!=" in part:
            key, value = (s.strip() for s in part.split("!=", 1))
            requirements.append(lambda labels, k=key, v=value: labels.get(k) != v)
        elif "==" in part or "=" in part:
            key, value = (s.strip() for s in part.replace("==", "=", 1).split("=", 1))
            requirements.append(lambda labels, k=key, v=value: labels.get(k) == v)
        elif part.startswith("!"):
            key = part[1:].strip()
            requirements.append(lambda labels, k=key: k not in labels)
        else:
            if " " in part or "(" in part:
                raise ApiError(400, f"unable to parse requirement: {part!r}")
            requirements.append(lambda labels, k=part: k in labels)

    def match(labels: dict) -> bool:
        return all(r(labels) for r in requirements)

    return match


def selector_from_match_labels(selector: dict | None) -> str:
    """`spec.selector` (matchLabels and matchExpressions) as the text form of a label selector."""
    if not selector:
        return ""
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or []:
        op, key, values = expr.get("operator"), expr.get("key"), expr.get("values") or []
        if op == "In":
            parts.append(f"{key} in ({','.join(values)})")
        elif op == "NotIn":
            parts.append(f"{key} notin ({','.join(values)})")
        elif op == "Exists":
            parts.append(key)
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts)


def _path(*keys: str) -> Callable[[dict], Any]:
    def get(obj: dict) -> Any:
        for k in keys:
            if not isinstance(obj, dict):
                return None
            obj = obj.get(k)
        return obj
    return get


_COMMON = {"metadata.name": _path("metadata", "name"), "metadata.namespace": _path("metadata", "namespace")}

FIELDS: dict[str, dict[str, Callable[[dict], Any]]] = {
    "pods": {
        **_COMMON,
        "spec.nodeName": _path("spec", "nodeName"),
        "spec.restartPolicy": _path("spec", "restartPolicy"),
        "spec.schedulerName": _path("spec", "schedulerName"),
        "spec.serviceAccountName": _path("spec", "serviceAccountName"),
        "spec.hostNetwork": lambda o: str(bool((o.get("spec") or {}).get("hostNetwork"))).lower(),
        "status.phase": _path("status", "phase"),
        "status.podIP": _path("status", "podIP"),
        "status.nominatedNodeName": _path("status", "nominatedNodeName"),
    },
    "events": {
        **_COMMON,
        **{f"involvedObject.{f}": _path("involvedObject", f)
           for f in ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")},
        "reason": _path("reason"),
        "reportingComponent": _path("reportingComponent"),
        "source": _path("source", "component"),
        "type": _path("type"),
    },
    "nodes": {**_COMMON, "spec.unschedulable": lambda o: str(bool((o.get("spec") or {}).get("unschedulable"))).lower()},
    "namespaces": {**_COMMON, "status.phase": _path("status", "phase")},
    "secrets": {**_COMMON, "type": _path("type")},
    "replicasets": {**_COMMON, "status.replicas": lambda o: str((o.get("status") or {}).get("replicas", 0))},
}


def parse_field_selector(text: str | None, kind: str) -> Matcher | None:
    if not text or not text.strip():
        return None
    fields = FIELDS.get(kind, _COMMON)
    requirements = []
    for part in _split_top_level(text):
        if "!=" in part:
            field, value = part.split("!=", 1)
            negate = True
        elif "=" in part:
            field, value = part.replace("==", "=", 1).split("=", 1)
            negate = False
        else:
            raise ApiError(400, f"invalid selector: '{text}'; can't understand '{part}'")
        field = field.strip()
        getter = fields.get(field)
        if getter is None:
            raise ApiError(400, f'field label not supported: {field}')
        value = value.strip()
        requirements.append((getter, value, negate))

    def match(obj: dict) -> bool:
        for getter, value, negate in requirements:
            actual = getter(obj)
            actual = "" if actual is None else str(actual)
            if (actual == value) == negate:
                return False
        return True

    return match

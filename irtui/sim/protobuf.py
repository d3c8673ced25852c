"""The little of Kubernetes' protobuf encoding the simulator must read.

kubectl's typed clients send some request bodies as `application/vnd.kubernetes.protobuf`
(the SelfSubjectAccessReview behind `kubectl auth can-i`, and `kubectl create configmap /
secret / namespace`), while accepting JSON back. This decodes those bodies: the `k8s\\0`
envelope (a runtime.Unknown) and those few messages. Field numbers are those of the
generated.proto files of k8s.io/api and k8s.io/apimachinery. Other kinds get a 415.
"""

from __future__ import annotations

import base64

MAGIC = b"k8s\x00"


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7


def fields(buf: bytes) -> dict[int, list]:
    """field number -> values (bytes for length-delimited, int for varints)."""
    out: dict[int, list] = {}
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(buf, i)
        elif wire == 2:
            length, i = _varint(buf, i)
            value, i = buf[i:i + length], i + length
        elif wire == 1:
            value, i = buf[i:i + 8], i + 8
        elif wire == 5:
            value, i = buf[i:i + 4], i + 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        out.setdefault(number, []).append(value)
    return out


def _str(f: dict[int, list], number: int) -> str:
    values = f.get(number)
    return values[-1].decode() if values else ""


def unwrap(body: bytes) -> tuple[str, str, bytes]:
    """(apiVersion, kind, raw message) from the k8s protobuf envelope."""
    if not body.startswith(MAGIC):
        raise ValueError("not a Kubernetes protobuf body")
    unknown = fields(body[len(MAGIC):])
    type_meta = fields(unknown.get(1, [b""])[-1])
    return _str(type_meta, 1), _str(type_meta, 2), unknown.get(2, [b""])[-1]


_RESOURCE_ATTRIBUTES = {1: "namespace", 2: "verb", 3: "group", 4: "version", 5: "resource", 6: "subresource", 7: "name"}


def self_subject_access_review(raw: bytes) -> dict:
    """A SelfSubjectAccessReview message as the JSON dict it stands for."""
    review = fields(raw)
    spec_fields = fields(review.get(2, [b""])[-1])
    spec: dict = {}
    if 1 in spec_fields:
        attrs = fields(spec_fields[1][-1])
        spec["resourceAttributes"] = {name: _str(attrs, n) for n, name in _RESOURCE_ATTRIBUTES.items() if n in attrs}
    if 2 in spec_fields:
        attrs = fields(spec_fields[2][-1])
        spec["nonResourceAttributes"] = {"path": _str(attrs, 1), "verb": _str(attrs, 2)}
    return {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview", "spec": spec}


def _map(entries: list, value_as_bytes: bool = False) -> dict:
    out = {}
    for entry in entries:
        f = fields(entry)
        key = _str(f, 1)
        value = f.get(2, [b""])[-1]
        out[key] = value if value_as_bytes else value.decode()
    return out


def object_meta(raw: bytes) -> dict:
    """The writable part of an ObjectMeta (k8s.io/apimachinery meta/v1 generated.proto)."""
    f = fields(raw)
    meta: dict = {}
    for number, name in ((1, "name"), (2, "generateName"), (3, "namespace"), (6, "resourceVersion")):
        if number in f and f[number][-1]:
            meta[name] = _str(f, number)
    if 11 in f:
        meta["labels"] = _map(f[11])
    if 12 in f:
        meta["annotations"] = _map(f[12])
    if 14 in f:
        meta["finalizers"] = [v.decode() for v in f[14]]
    return meta


def config_map(raw: bytes) -> dict:
    f = fields(raw)
    obj: dict = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": object_meta(f.get(1, [b""])[-1])}
    if 2 in f:
        obj["data"] = _map(f[2])
    if 3 in f:
        obj["binaryData"] = {k: base64.b64encode(v).decode() for k, v in _map(f[3], True).items()}
    if 4 in f:
        obj["immutable"] = bool(f[4][-1])
    return obj


def secret(raw: bytes) -> dict:
    f = fields(raw)
    obj: dict = {"apiVersion": "v1", "kind": "Secret", "metadata": object_meta(f.get(1, [b""])[-1])}
    if 2 in f:
        obj["data"] = {k: base64.b64encode(v).decode() for k, v in _map(f[2], True).items()}
    if 3 in f:
        obj["type"] = _str(f, 3)
    if 4 in f:
        obj["stringData"] = _map(f[4])
    if 5 in f:
        obj["immutable"] = bool(f[5][-1])
    return obj


def namespace(raw: bytes) -> dict:
    f = fields(raw)
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": object_meta(f.get(1, [b""])[-1])}


# kind -> decoder of the message behind the envelope.
DECODERS = {
    "SelfSubjectAccessReview": self_subject_access_review,
    "ConfigMap": config_map,
    "Secret": secret,
    "Namespace": namespace,
}

"""What object a runbook step names: `kubectl rollout restart deployment/api-gateway -n
emrtask-prod` is about deployment/api-gateway in emrtask-prod, whatever row a pane's cursor
is on. Placeholders (`<pod-name>`) name nothing: the responder has to choose.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from itertools import pairwise

from irtui.actions.model import Target

# kubectl's kind/name forms the actions can act on, by the kind an action target uses.
_KINDS = {
    "deployment": "deployment", "deployments": "deployment", "deploy": "deployment",
    "statefulset": "statefulset", "statefulsets": "statefulset", "sts": "statefulset",
    "pod": "pod", "pods": "pod", "po": "pod",
    "node": "node", "nodes": "node", "no": "node",
    "configmap": "configmap", "configmaps": "configmap", "cm": "configmap",
    "secret": "secret", "secrets": "secret",
}
_NAME = re.compile(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?")


def _words(command: str) -> list[str]:
    try:
        return shlex.split(command)
    except ValueError:  # an unbalanced quote in prose: still read the plain words
        return command.split()


def _named(words: list[str]) -> tuple[str, str] | None:
    """The first `kind/name`, or kubectl's `kind name` (`delete pod postgres-0`)."""
    for word, following in pairwise([*words, ""]):
        kind, slash, name = word.partition("/")
        if slash and kind in _KINDS and _NAME.fullmatch(name):
            return _KINDS[kind], name
        if not slash and word in _KINDS and _NAME.fullmatch(following):
            return _KINDS[word], following
    return None


def named_target(commands: Iterable[str], namespace: str) -> Target | None:
    """The first object the commands name as `kind/name` or `kind name`, in the namespace
    of its `-n` (else `namespace`), or None when they name none."""
    for command in commands:
        words = _words(command)
        ns = namespace
        for flag, value in pairwise(words):
            if flag in ("-n", "--namespace"):
                ns = value
        named = _named(words)
        if named is not None:
            kind, name = named
            return Target(kind, name, None if kind == "node" else ns)
    return None

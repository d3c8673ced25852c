"""How a request to the API server failed, as the kube sources and their helpers tell it.

Kept apart from `irtui.kube.sources` so that the forked list helper (`irtui.kube.prelist`),
which the sources start, can raise and pickle them without importing the sources back.
"""

from __future__ import annotations


class ApiError(Exception):
    """A failed request, sorted into what the panes say about it."""

    def __init__(self, state: str, reason: str, status: int = 0) -> None:
        super().__init__(reason)
        self.state = state
        self.reason = reason
        self.status = status


class Gone(Exception):
    """410: the watch's resourceVersion is too old; relist."""


class Stopped(Exception):
    pass

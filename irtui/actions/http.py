"""The `http` kind of a team's own steps (`[[actions.custom]]`): one HTTP request, sent
through the session's guarded client, so a read-only session refuses anything but GET/HEAD
before a connection is opened. The step's schema is `irtui.actions.custom`'s.
"""

from __future__ import annotations

import hashlib
from typing import Any, Mapping

from irtui.actions.base import ActionEnv, Impl
from irtui.actions.custom import CustomAction
from irtui.actions.model import ActionError, ActionSpec, Executed, Prepared, Target


def custom_of(env: ActionEnv, action_id: str) -> CustomAction:
    for action in env.settings.custom:
        if action.id == action_id:
            return action
    raise ActionError(f"{action_id} is not declared in [[actions.custom]]")


class HttpAction(Impl):
    """An HTTP request through the session's guarded client: a read-only session refuses
    anything but GET/HEAD before a connection is opened."""

    def __init__(self, action_id: str) -> None:
        self.action_id = action_id

    @classmethod
    def for_spec(cls, spec: ActionSpec) -> HttpAction:
        return cls(spec.id)

    def unavailable(self, env: ActionEnv, target: Target | None) -> str | None:
        return None

    def prepare(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> Prepared:
        action = custom_of(env, self.action_id)
        summary = [f"{action.method} {action.url}"]
        if action.body:
            summary.append(f"body: {len(action.body.encode())} bytes, sha256 "
                           f"{hashlib.sha256(action.body.encode()).hexdigest()[:12]}")
        return Prepared(command=action.command, summary=summary, state={"action": action})

    async def execute(self, env: ActionEnv, target: Target, params: Mapping[str, Any], prepared: Prepared) -> Executed:
        from irtui.safety import ReadOnlyError, guarded_http_client

        action: CustomAction = prepared.state["action"]
        headers = {"Content-Type": "application/json"} if action.body else {}
        async with guarded_http_client(env.guard, timeout=30.0) as client:
            try:
                response = await client.request(action.method, action.url, content=action.body or None,
                                                 headers=headers)
            except ReadOnlyError:
                raise
            except Exception as exc:  # refused, unreachable, timed out: one line
                raise ActionError(f"{action.method} {action.url}: {exc or type(exc).__name__}") from None
        if response.status_code >= 400:
            raise ActionError(f"{action.method} {action.url} answered {response.status_code} {response.reason_phrase}")
        return (f"{action.method} {action.url}: {response.status_code}",
                {"status_code": response.status_code})

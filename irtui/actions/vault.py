"""Vault's HTTP API for the security-breach playbook: revoke a compromised token.

This module owns `RevokeToken` (`vault token revoke <token>` as
`POST $VAULT_ADDR/v1/auth/token/revoke` with `{"token": ...}`), sent through the session's
guarded HTTP client, so a read-only session refuses it before a connection is opened.
The token irtui authenticates with is read from the environment variable the config names
(`[actions] vault_token_env`, default VAULT_TOKEN) at the moment of sending, and is never
shown, logged or recorded; the revoked token is recorded only as a hash prefix.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Mapping

from irtui.actions.base import ActionEnv, Impl
from irtui.actions.model import ActionError, Prepared, Target, fingerprint

if TYPE_CHECKING:
    import httpx

REVOKE_PATH = "/v1/auth/token/revoke"


class RevokeToken(Impl):
    def unavailable(self, env: ActionEnv, target: Target | None) -> str | None:
        if not env.settings.vault_addr:
            return "not configured — set VAULT_ADDR or [actions] vault_addr in config.toml"
        if not os.environ.get(env.settings.vault_token_env):
            return f"no Vault token: ${env.settings.vault_token_env} is not set"
        return None

    def prepare(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> Prepared:
        reason = self.unavailable(env, target)
        if reason:
            raise ActionError(reason)
        token = str(params.get("token") or "")
        if not token:
            raise ActionError("the token to revoke is required")
        url = env.settings.vault_addr.rstrip("/") + REVOKE_PATH
        revoked = fingerprint(token)
        return Prepared(
            command=f"vault token revoke {revoked}",
            summary=[f"POST {url}", f"revokes the token {revoked} and its children",
                     f"authenticated with ${env.settings.vault_token_env} (not shown)"],
            state={"url": url, "revoked": revoked},
        )

    def dry_run(self, env: ActionEnv, target: Target, params: Mapping[str, Any], prepared: Prepared) -> list[str]:
        return ["not rehearsed: Vault has no dry run for a revocation"]

    async def execute(self, env: ActionEnv, target: Target, params: Mapping[str, Any],
                      prepared: Prepared) -> tuple[str, dict[str, Any]]:
        from irtui.safety import ReadOnlyError, guarded_http_client

        url = prepared.state["url"]
        token = os.environ.get(env.settings.vault_token_env, "")
        if not token:
            raise ActionError(f"no Vault token: ${env.settings.vault_token_env} is not set")
        async with guarded_http_client(env.guard, timeout=30.0) as client:
            try:
                response = await client.post(url, headers={"X-Vault-Token": token},
                                             json={"token": str(params["token"])})
            except ReadOnlyError:
                raise
            except Exception as exc:
                # The exception text names the URL only; neither token is in it.
                raise ActionError(f"POST {url}: {type(exc).__name__}: {exc}") from None
        if response.status_code == 403:
            raise ActionError(f"Vault refused (403 permission denied): ${env.settings.vault_token_env} "
                              "may not revoke this token")
        if response.status_code >= 400:
            raise ActionError(f"Vault answered {response.status_code}: {_errors(response)}")
        return f"revoked {prepared.state['revoked']}", {"revoked": prepared.state["revoked"],
                                                        "status_code": response.status_code}


def _errors(response: httpx.Response) -> str:
    """Vault's `{"errors": [...]}`, or the status line."""
    try:
        errors = response.json().get("errors") or []
    except Exception:
        errors = []
    text = "; ".join(str(e) for e in errors)[:200]
    return text or response.reason_phrase

"""Vault token revoke over Vault's HTTP API, against a Vault-compatible receiver on
127.0.0.1 that checks the header and the body: what arrives, what is recorded (never the
revoking token, the revoked one only as a hash prefix), a refusal, and read-only."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "notify"))
from irtui.actions.base import ActionEnv  # noqa: E402
from irtui.actions.model import Target, fingerprint  # noqa: E402
from irtui.actions.settings import ActionSettings  # noqa: E402
from irtui.safety import Guard  # noqa: E402

from actionhelp import NS, Responder, runner_for  # noqa: E402
from receiver import Receiver  # noqa: E402

ADMIN_TOKEN = "hvs.admin-token-never-shown-0123456789"
COMPROMISED = "hvs.compromised-token-abcdef"
REVOKE = "/v1/auth/token/revoke"


class VaultReceiver(Receiver):
    """Vault's token revoke: 204 for a JSON body naming a token, sent with the admin token in
    X-Vault-Token; 403 with Vault's error body otherwise."""

    def __init__(self, admin_token: str) -> None:
        super().__init__()
        self.admin_token = admin_token

    def _service(self, method: str, path: str, body: bytes):
        request = self.requests[-1]
        if path != REVOKE or method != "POST":
            return 404, {"errors": []}
        if request.headers.get("X-Vault-Token") != self.admin_token:
            return 403, {"errors": ["permission denied"]}
        try:
            token = json.loads(body).get("token")
        except ValueError:
            token = None
        if not isinstance(token, str) or not token:
            return 400, {"errors": ["missing token"]}
        return 204, ""


@pytest.fixture
async def vault():
    server = VaultReceiver(ADMIN_TOKEN)
    await server.start()
    yield server
    await server.stop()


def env_for(vault, monkeypatch, *, read_only: bool = False, token: str = ADMIN_TOKEN) -> ActionEnv:
    monkeypatch.delenv("VAULT_ADDR", raising=False)
    monkeypatch.setenv("IRTUI_TEST_VAULT_TOKEN", token)
    settings = ActionSettings(vault_addr=vault.url, vault_token_env="IRTUI_TEST_VAULT_TOKEN")
    return ActionEnv(guard=Guard(read_only=read_only), settings=settings, namespace=NS)


async def test_revoke_reaches_vault_with_the_token_header_and_records_only_a_hash(vault, monkeypatch, incident):
    responder = Responder()
    runner = runner_for(env_for(vault, monkeypatch), incident, responder)
    outcome = await runner.run("vault.revoke_token", Target("namespace", NS, NS), {"token": COMPROMISED})
    assert outcome.status == "done", outcome
    [request] = vault.to(REVOKE)
    assert request.method == "POST" and request.headers["X-Vault-Token"] == ADMIN_TOKEN
    assert request.json == {"token": COMPROMISED}
    confirm = responder.requests[0]
    assert confirm.danger.label == "high"
    shown = json.dumps([confirm.command, confirm.summary, confirm.dry_run, confirm.warnings])
    assert ADMIN_TOKEN not in shown and COMPROMISED not in shown and fingerprint(COMPROMISED) in shown
    recorded = json.dumps([(e.text, e.details) for e in incident.timeline], default=str)
    assert ADMIN_TOKEN not in recorded and COMPROMISED not in recorded
    assert fingerprint(COMPROMISED) in recorded
    assert incident.timeline[-1].details["result"] == "done"


async def test_a_refusal_is_one_clear_line(vault, monkeypatch, incident):
    runner = runner_for(env_for(vault, monkeypatch, token="hvs.not-allowed"), incident)
    outcome = await runner.run("vault.revoke_token", Target("namespace", NS, NS), {"token": COMPROMISED})
    assert outcome.status == "failed"
    assert outcome.message.startswith("Vault refused (403 permission denied)") and "\n" not in outcome.message
    assert "hvs.not-allowed" not in outcome.message and len(vault.to(REVOKE)) == 1


async def test_read_only_sends_nothing_to_vault(vault, monkeypatch, incident):
    from irtui.actions import registry
    from irtui.safety import ReadOnlyError

    env = env_for(vault, monkeypatch, read_only=True)
    outcome = await runner_for(env, incident).run("vault.revoke_token", Target("namespace", NS, NS),
                                                  {"token": COMPROMISED})
    assert outcome.status == "unavailable"
    # Below the executor: the implementation called directly is refused by the guarded client.
    impl = registry.implementation(registry.get("vault.revoke_token"))
    target = Target("namespace", NS, NS)
    prepared = impl.prepare(env, target, {"token": COMPROMISED})
    with pytest.raises(ReadOnlyError):
        await impl.execute(env, target, {"token": COMPROMISED}, prepared)
    assert vault.requests == []


async def test_without_an_address_the_key_says_what_to_set(monkeypatch, incident):
    monkeypatch.delenv("VAULT_ADDR", raising=False)
    env = ActionEnv(guard=Guard(), settings=ActionSettings(), namespace=NS)
    outcome = await runner_for(env, incident).run("vault.revoke_token", Target("namespace", NS, NS),
                                                  {"token": COMPROMISED})
    assert outcome.status == "unavailable" and "VAULT_ADDR" in outcome.message

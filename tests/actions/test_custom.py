"""A team's own steps from `[[actions.custom]]` (config and runbook): checked with file and
line, declared beside irtui's actions, run through the same executor (confirmation,
journal), and refused below the UI in a read-only session. HTTP steps reach a real receiver
on 127.0.0.1; the runbook's "flush cache" runs the demo script against the simulator."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "notify"))
from irtui.actions import registry  # noqa: E402
from irtui.actions.base import ActionEnv  # noqa: E402
from irtui.actions.model import Target  # noqa: E402
from irtui.actions.settings import ActionSettings  # noqa: E402
from irtui.config import Config, ConfigError  # noqa: E402
from irtui.runbook import load_runbook  # noqa: E402
from irtui.safety import Guard  # noqa: E402
from irtui.ui.action_bindings import action_bindings  # noqa: E402
from irtui.ui.demo import DEMO_SCRIPTS  # noqa: E402

from actionhelp import NS, Responder, make_env, runner_for  # noqa: E402
from polling import until  # noqa: E402
from receiver import Answer, Receiver  # noqa: E402

NAMESPACE = Target("namespace", NS, NS)


def config_file(tmp_path, text: str) -> Config:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return Config.load(path)


@pytest.fixture
async def receiver():
    server = Receiver()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def declared():
    """The team's steps are declared for the test, and forgotten after it."""
    def declare(settings: ActionSettings) -> ActionSettings:
        registry.use_custom(settings.custom)
        return settings

    yield declare
    registry.use_custom(())


def http_config(tmp_path, url: str, **extra: str) -> Config:
    more = "".join(f"{k} = {v}\n" for k, v in extra.items())
    return config_file(tmp_path, f"""
[[actions.custom]]
id = "cdn.purge"
title = "Purge CDN"
kind = "http"
key = "ctrl+q"
method = "POST"
url = "{url}/hooks/purge"
body = '{{"all": true}}'
danger = "medium"
{more}""")


async def test_an_http_step_from_config_is_confirmed_sent_and_recorded(tmp_path, receiver, incident, declared):
    settings = declared(ActionSettings.load(http_config(tmp_path, receiver.url)))
    spec = registry.get("cdn.purge")
    assert spec.key == "ctrl+q" and spec in registry.all_actions()
    assert any(b.id == "cdn.purge" and b.key == "ctrl+q" for b in action_bindings())
    responder = Responder()
    env = ActionEnv(guard=Guard(), settings=settings, namespace=NS)
    outcome = await runner_for(env, incident, responder).run("cdn.purge", NAMESPACE)
    assert outcome.status == "done", outcome
    [request] = receiver.to("/hooks/purge")
    assert request.method == "POST" and request.json == {"all": True}
    assert responder.requests[0].danger.label == "medium"
    assert f"POST {receiver.url}/hooks/purge" in responder.requests[0].summary
    assert [e.kind for e in incident.timeline[-2:]] == ["action_started", "action_finished"]
    assert incident.timeline[-1].details["details"]["status_code"] == 200


async def test_an_http_step_answered_with_an_error_is_failed(tmp_path, receiver, incident, declared):
    settings = declared(ActionSettings.load(http_config(tmp_path, receiver.url)))
    receiver.script("/hooks/purge", Answer(503, "busy"))
    env = ActionEnv(guard=Guard(), settings=settings, namespace=NS)
    outcome = await runner_for(env, incident).run("cdn.purge", NAMESPACE)
    assert outcome.status == "failed" and "503" in outcome.message


async def test_read_only_refuses_a_changing_step_but_sends_a_read_only_one(tmp_path, receiver, incident, declared):
    config = config_file(tmp_path, f"""
[[actions.custom]]
id = "cdn.purge"
title = "Purge CDN"
kind = "http"
url = "{receiver.url}/hooks/purge"

[[actions.custom]]
id = "cdn.status"
title = "CDN status"
kind = "http"
method = "GET"
url = "{receiver.url}/hooks/status"
read_only = true
danger = "low"
""")
    settings = declared(ActionSettings.load(config))
    env = ActionEnv(guard=Guard(read_only=True), settings=settings, namespace=NS)
    runner = runner_for(env, incident)
    refused = await runner.run("cdn.purge", NAMESPACE)
    assert refused.status == "unavailable" and refused.message == "read-only"
    # Below the executor: the implementation itself goes through the guarded client.
    from irtui.safety import ReadOnlyError

    impl = registry.implementation(registry.get("cdn.purge"))
    prepared = impl.prepare(env, NAMESPACE, {})
    with pytest.raises(ReadOnlyError):
        await impl.execute(env, NAMESPACE, {}, prepared)
    assert receiver.to("/hooks/purge") == []
    read = await runner.run("cdn.status", NAMESPACE)
    assert read.status == "done" and len(receiver.to("/hooks/status")) == 1


async def test_a_low_danger_step_declared_confirm_false_runs_without_asking(tmp_path, receiver, incident, declared):
    settings = declared(ActionSettings.load(config_file(tmp_path, f"""
[[actions.custom]]
id = "cdn.warm"
title = "Warm CDN"
kind = "http"
url = "{receiver.url}/hooks/warm"
danger = "low"
confirm = false
""")))
    responder = Responder()
    env = ActionEnv(guard=Guard(), settings=settings, namespace=NS)
    outcome = await runner_for(env, incident, responder).run("cdn.warm", NAMESPACE)
    assert outcome.status == "done" and responder.requests == []
    assert len(receiver.to("/hooks/warm")) == 1
    assert [e.kind for e in incident.timeline[-2:]] == ["action_started", "action_finished"]


@pytest.mark.parametrize("table, key, says", [
    ('id = "cdn.purge"\ntitle = "x"\nkind = "ftp"\n', "kind", "must be one of exec, script, http"),
    ('id = "kube.scale"\ntitle = "x"\nkind = "http"\nurl = "http://h/"\n', "id", "is irtui's own action"),
    ('id = "cdn.purge"\ntitle = "x"\nkind = "http"\nurl = "ftp://h/"\n', "url", "must be an http:// or https:// URL"),
    ('id = "cdn.purge"\ntitle = "x"\nkind = "script"\n', "kind", "script"),
    ('id = "cdn.purge"\ntitle = "x"\nkind = "http"\nurl = "http://h/"\ndanger = "high"\nconfirm = false\n',
     "confirm", "only a low-danger step may skip the confirmation"),
    ('id = "cdn.purge"\ntitle = "x"\nkind = "http"\nurl = "http://h/"\nread_only = true\n', "read_only",
     "only a GET or HEAD request changes nothing"),
    ('id = "cache.flush"\ntitle = "x"\nkind = "exec"\ntarget = "pod"\n', "command", 'is required for kind = "exec"'),
    ('id = "cache.flush"\ntitle = "x"\nkind = "exec"\ncommand = ["redis-cli"]\n', "target",
     "an exec step runs in a pod"),
    ('id = "cache.flush"\ntitle = "x"\nkind = "exec"\ncommand = ["redis-cli"]\nworkload = "redis"\n', "workload",
     'must be "deployment/NAME" or "statefulset/NAME"'),
    ('id = "cache.flush"\ntitle = "x"\nkind = "exec"\ncommand = ["redis-cli"]\ntarget = "pod"\nurl = "http://h/"\n',
     "url", 'is for kind = "http"'),
])
def test_a_bad_team_step_is_one_line_with_file_and_line(tmp_path, table, key, says):
    config = config_file(tmp_path, "[actions]\nbulk_confirm_over = 3\n\n[[actions.custom]]\n" + table)
    with pytest.raises(ConfigError) as err:
        ActionSettings.load(config)
    text = str(err.value)
    assert text.startswith(f"{tmp_path / 'config.toml'}:") and says in text and "\n" not in text


async def test_the_runbooks_flush_cache_runs_the_demo_script_on_the_simulator(sim, tmp_path, incident, declared):
    runbook = load_runbook()
    settings = make_env(sim, "sim-sre", tmp_path, scripts={"flush_cache": DEMO_SCRIPTS["flush_cache"]}).settings
    settings = declared(settings.with_custom(runbook.custom))
    env = make_env(sim, "sim-sre", tmp_path, scripts=settings.scripts, custom=settings.custom)
    responder = Responder()
    outcome = await runner_for(env, incident, responder).run("cache.flush", NAMESPACE)
    assert outcome.status == "done", outcome
    assert responder.requests[0].command == str(DEMO_SCRIPTS["flush_cache"])
    annotations = env.kube.get(f"/apis/apps/v1/namespaces/{NS}/deployments/api-gateway")["metadata"]["annotations"]
    assert "irtui.demo/cache-flushed-at" in annotations
    assert incident.timeline[-1].details["details"]["exit_code"] == 0


def test_a_team_step_is_not_declared_per_context(tmp_path):
    config = config_file(tmp_path, '[[contexts."prod".actions.custom]]\nid = "cdn.purge"\ntitle = "x"\n'
                                   'kind = "http"\nurl = "http://h/"\n')
    with pytest.raises(ConfigError) as err:
        ActionSettings.load(config, "prod")
    assert "declared once, in [[actions.custom]]" in str(err.value) and str(err.value).startswith(str(tmp_path))


EXEC_STEP = """
[[actions.custom]]
id = "cache.flush_pod"
title = "Flush cache in the pod"
kind = "exec"
command = ["sh", "-c", "echo flushed"]
workload = "deployment/api-gateway"
danger = "low"
read_only = true
"""


async def test_a_team_exec_step_runs_in_the_named_workload_through_the_executor(sim, tmp_path, incident, declared):
    settings = declared(ActionSettings.load(config_file(tmp_path, EXEC_STEP)))
    env = make_env(sim, "sim-sre", tmp_path, custom=settings.custom)
    responder = Responder()
    before = len(sim.audit())
    outcome = await runner_for(env, incident, responder).run("cache.flush_pod", NAMESPACE)
    assert outcome.status == "done" and outcome.message == "exit 0: flushed", outcome
    [request] = responder.requests  # asked, with the exact command, even at low danger
    assert request.command.endswith("-c api-gateway -- sh -c 'echo flushed'")
    assert request.spec.group == "custom" and request.spec.mutating
    # The simulator audits an exec when its stream ends, a moment after the client has read
    # the exit code.
    execs = await until(lambda: [r for r in sim.audit()[before:] if r.get("subresource") == "exec"],
                        what="the exec in the audit log")
    assert [(r["verb"], r["name"].startswith("api-gateway-")) for r in execs] == [("create", True)]
    finished = incident.timeline[-1].details
    assert finished["action"] == "cache.flush_pod" and finished["details"]["exit_code"] == 0
    access = [r for r in sim.audit()[before:] if r.get("resource") == "selfsubjectaccessreviews"]
    assert access  # the RBAC review of create on pods/exec came first


async def test_a_read_only_team_exec_step_is_refused_unless_the_config_allows_read_only_checks(sim, tmp_path, incident,
                                                                                                declared):
    settings = declared(ActionSettings.load(config_file(tmp_path, EXEC_STEP)))
    env = make_env(sim, "sim-sre", tmp_path, read_only=True, custom=settings.custom)
    outcome = await runner_for(env, incident).run("cache.flush_pod", NAMESPACE)
    assert outcome.status == "unavailable" and "allow_read_only_exec" in outcome.message
    assert [r for r in sim.audit() if r.get("subresource") == "exec"] == []
    allowed = declared(ActionSettings.load(config_file(tmp_path, "[actions]\nallow_read_only_exec = true\n" + EXEC_STEP)))
    env = make_env(sim, "sim-sre", tmp_path, read_only=True, custom=allowed.custom, allow_read_only_exec=True)
    outcome = await runner_for(env, incident).run("cache.flush_pod", NAMESPACE)
    assert outcome.status == "done", outcome

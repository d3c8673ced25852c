"""What `irtui help TOPIC` and `irtui info` print: the scenarios, the environment variables,
the exit codes, and where irtui's files are.

Each list is read from the code that owns the thing where it can be (the simulator's
scenario table, the config's and the stores' path functions), so help cannot drift from
behaviour; the environment variables and exit codes are declared here once, and
tests/test_cli_help.py checks every `IRTUI_*` name the code reads is among them.
"""

from __future__ import annotations

import os
import sys
import textwrap
from typing import Any

# name -> what it does. Secrets of notification channels and scripts are named by the
# config (`*_env` keys), so they are not listed one by one.
ENVIRONMENT: dict[str, str] = {
    "KUBECONFIG": "kubeconfig file(s), merged as kubectl merges them (--kubeconfig wins)",
    "IRTUI_READ_ONLY": "1/true/yes/on: refuse every mutating request; 0/false/no/off never loosens "
                       "a read-only context (only --write does); any other spelling stops irtui",
    "IRTUI_STORE": "incident store: SQLite path or postgresql:// URL (--store wins; then [incident] store)",
    "IRTUI_DB_DSN": "PostgreSQL to monitor (--db-dsn wins; then [database] dsn)",
    "IRTUI_RUNBOOK": "runbook TOML file (--runbook wins; then [runbook] file)",
    "IRTUI_TIMELINE_KEY": "secret (16+ bytes) that signs timeline checkpoints ([incident] timeline_key_env "
                          "names another variable)",
    "IRTUI_LOG_LEVEL": "debug, info, warning (default) or error for irtui's log file (--log-level wins)",
    "PGPASSWORD": "password for the monitored PostgreSQL and a postgresql:// store (or ~/.pgpass)",
    "VAULT_ADDR": "Vault server for the revoke-token action (else [actions] vault_addr)",
    "XDG_CONFIG_HOME": "config.toml is in $XDG_CONFIG_HOME/irtui (default ~/.config/irtui)",
    "XDG_DATA_HOME": "incidents, outbox, anchors, drills in $XDG_DATA_HOME/irtui (default ~/.local/share/irtui)",
    "XDG_STATE_HOME": "irtui.log in $XDG_STATE_HOME/irtui (default ~/.local/state/irtui)",
    "*_env in the config": "notification secrets (Slack webhook, PagerDuty key, Statuspage key, SMTP "
                           "password) are read from the variables the config names, never from the file",
    "IRTUI_CONTEXT": "set by irtui for the [scripts] it runs: the kubeconfig context (KUBECONFIG too)",
    "IRTUI_NAMESPACE": "set by irtui for the [scripts] it runs: the target's namespace",
    "IRTUI_DEMO_*": "set by irtui demo for its own stand-in Slack, Statuspage, PagerDuty and banner "
                    "receivers (harmless values, handled as secrets are)",
}

EXIT_CODES: dict[int, str] = {
    0: "done (the app quit, the report was written, the chain verified)",
    1: "the thing checked is wrong: a broken or unanchored timeline (verify), runbook errors "
       "(runbook check), no such incident (report, verify)",
    2: "bad command line, config, runbook, kubeconfig or store: one line on stderr naming file:line: key; "
       "nothing was started or changed",
    130: "interrupted (ctrl+c)",
    129: "the terminal went away (SIGHUP); 128+N for another signal N",
}


def scenarios() -> dict[str, str]:
    """{name: one-line summary} of the simulator's fault scenarios (`irtui demo --scenario`)."""
    from irtui.sim.scenarios import SCENARIOS

    return {name: cls.summary for name, cls in sorted(SCENARIOS.items())}


def _table(rows: dict[Any, str], width: int | None = None) -> str:
    """Two columns; a long description wraps under itself, not under the names, at the
    terminal's width (at most 100)."""
    import shutil

    width = width or min(100, shutil.get_terminal_size((100, 24)).columns)
    names = max(len(str(k)) for k in rows)
    wrap = max(30, width - names - 4)
    lines = []
    for k, v in rows.items():
        chunks = textwrap.wrap(v, wrap) or [""]
        lines.append(f"  {str(k):<{names}}  {chunks[0]}")
        lines.extend(f"  {'':<{names}}  {chunk}" for chunk in chunks[1:])
    return "\n".join(lines)


def topic(name: str) -> str | None:
    """The text of a help topic, or None when there is no such topic."""
    if name == "scenarios":
        return ("Fault scenarios (irtui demo --scenario NAME, irtui sim --scenario NAME; x in the demo):\n"
                + _table(scenarios()))
    if name in ("environment", "env"):
        return "Environment variables:\n" + _table(ENVIRONMENT)
    if name in ("exit-codes", "exit"):
        return "Exit codes:\n" + _table(dict(sorted(EXIT_CODES.items())))
    if name == "keys":
        return ("Keys: press ? in the app for the keys of the focused pane and the global ones; ctrl+p lists\n"
                "every action and view with its key. Move a key with the config's [keys] table:\n"
                '  [keys]\n  "kube.rollout_restart" = "ctrl+r"     # binding id = key(s), comma-separated\n\n'
                "Binding ids (id, default key(s), what); app.pane.<pane id> moves a pane's own key (t, m, h):\n"
                + _binding_table())
    if name == "files":
        return "Files:\n" + _table(dict(where(None)))
    return None


def binding_ids() -> list[tuple[str, str, str, str]]:
    """(where, id, default keys, description) of every binding irtui declares, with the
    war room's own collision remaps applied."""
    from irtui.ui.screens.keys import declared_bindings
    from irtui.ui.war_room import KEYMAP

    rows: dict[str, tuple[str, str, str, str]] = {}
    for owner, binding in declared_bindings():
        if binding.id and binding.id not in rows:
            rows[binding.id] = (owner, binding.id, KEYMAP.get(binding.id, binding.key), binding.description)
    return sorted(rows.values(), key=lambda row: (row[1].split(".")[0], row[1]))


def _binding_table() -> str:
    rows = binding_ids()
    width = max(len(row[1]) for row in rows)
    keys = max(len(row[2]) for row in rows)
    return "\n".join(f"  {ident:<{width}}  {key:<{keys}}  {what}" for _, ident, key, what in rows)


TOPICS = ("scenarios", "environment", "exit-codes", "keys", "files")


def epilog() -> str:
    """The end of `irtui --help`: every topic in full but the files (irtui info says those)."""
    parts = [topic(name) or "" for name in ("scenarios", "environment", "exit-codes")]
    parts.append(f"More: irtui help {{{','.join(TOPICS)}}} · irtui info · irtui completion bash|zsh|fish")
    return "\n\n".join(parts)


def where(args: Any) -> list[tuple[str, str]]:
    """(what, where) for irtui's files as `args` (the command line) and the config decide."""
    from irtui.config import Config, data_dir, default_config_path
    from irtui.incident.stores import store_url
    from irtui.logfile import log_path
    from irtui.runbook import runbook_path

    flag = getattr(args, "config", None)
    config_file = flag or str(default_config_path())
    exists = os.path.exists(config_file)
    config = Config.load(flag) if exists or flag else Config.empty()
    out = [("config", f"{config_file}" + ("" if exists else " (absent: defaults in use; irtui init writes one)"))]
    store = store_url(getattr(args, "store", None), config)
    out.append(("incident store", _masked(store) if store else f"{data_dir() / 'incidents.sqlite'} (SQLite)"))
    out.append(("data", str(data_dir())))
    from irtui.demo import demo_dir

    out.append(("demo store", str(demo_dir() / "incidents.sqlite")))
    out.append(("log", str(log_path())))
    runbook = runbook_path(getattr(args, "runbook", None), config)
    out.append(("runbook", runbook or "built-in (EMR platform incident response)"))
    return out


def _masked(url: str) -> str:
    if "://" not in url:
        return url
    from irtui.database.connection import mask_dsn

    return mask_dsn(url)


def info(args: Any) -> int:
    """`irtui info`: where config, data, logs, the demo store and the runbook in use are."""
    from irtui.config import ConfigError

    try:
        rows = where(args)
    except ConfigError as exc:
        print(f"irtui info: {exc}", file=sys.stderr)
        return 2
    width = max(len(name) for name, _ in rows)
    for name, place in rows:
        print(f"{name:<{width}}  {place}")
    return 0

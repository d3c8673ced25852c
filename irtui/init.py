"""`irtui init`: writes an annotated config file at the XDG path (or `--config FILE`).

Every value written is the default, so the file documents the settings without changing
behaviour; each package still owns its section's schema and validates it on load.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from irtui.config import default_config_path
from irtui.files import private_dir, write_private

TEMPLATE = '''\
# irtui configuration. Precedence for a value: command-line flag > environment variable >
# [contexts."CONTEXT".SECTION] > [SECTION] here. A bad value is reported as file:line: key.

[cluster]
# Refuse every mutating request (Kubernetes, PostgreSQL, HTTP) from this terminal.
# Also --read-only and IRTUI_READ_ONLY=1. Per context: [contexts."prod".cluster].
# Any of these turns it on; only --write on the command line turns it off (recorded).
read_only = false
# The namespace shown at start (default: the kubeconfig context's, else emrtask-prod); -n wins.
# namespace = "emrtask-prod"

[incident]
# Where the timeline lives: a SQLite path (default: $XDG_DATA_HOME/irtui/incidents.db) or a
# postgresql:// URL for a shared war room. Also --store and IRTUI_STORE.
# store = "postgresql://irtui@incident-db:5432/irtui"

[runbook]
# A team's own runbook (validate it first with `irtui runbook check FILE`).
# file = "/etc/irtui/runbook.toml"

[contacts]
# Who the escalation prompt says to call. The default runbook ships its contacts table
# (and the Epic/Cerner support numbers); a role set here replaces the runbook's.
# on_call = { primary = "Slack: @oncall", backup = "PagerDuty" }
# tech_lead = { primary = "Name", backup = "Name", phone = "+1-555-0100" }
# devops_lead = { primary = "Name", backup = "Name", phone = "+1-555-0101" }
# cto = { primary = "Name", phone = "+1-555-0001" }
# security_lead = { primary = "Name", backup = "Name", phone = "+1-555-0200" }
# vendors = { primary = "Epic support 1-888-868-7246", backup = "Cerner support 1-800-866-8992" }

[actions]
# More targets than this in one action: the responder types the confirmation.
bulk_confirm_over = 3
# A destructive action repeated on the same target within this window asks again.
repeat_window_seconds = 300
# A context or namespace matching this regular expression is production (red banner).
prod_pattern = "(^|[-_.])prod(uction)?($|[-_.])"
# Environment presets offered by "set env" (the runbook's fallback mode and debug logging).
env_presets = ["EMR_FALLBACK_MODE=true", "LOG_LEVEL=debug"]
helm_release = "emrtask-prod"
# Lines the logs screen keeps; older lines are dropped, and it says so.
log_max_lines = 50000
# Running a command in a pod (kubectl exec) is a create on pods/exec, refused in read-only.
# true: a read-only terminal may still run the exec checks that only read (health curl,
# pg_isready, pg_controldata, verify:data, netstat, the EMR checks).
allow_read_only_exec = false

[metrics]
source = "prometheus"            # or "scrape": read /metrics directly and compute rates here
prometheus_url = "http://127.0.0.1:9090"
interval = 10                    # seconds between refreshes
history_minutes = 30
services = ["api-gateway", "task-service", "emr-service", "sync-service", "handover-service"]

[metrics.thresholds]
error_pct_warn = 1.0
error_pct_crit = 5.0
p95_ms_warn = 500
p95_ms_crit = 1000

[health]
services = ["api-gateway", "task-service", "emr-service", "sync-service", "handover-service"]
namespace = "emrtask-prod"
port = 3000
path = "/health"
interval = 30                    # seconds between automatic rounds

[database]
# The PostgreSQL to monitor. No password here: PGPASSWORD or ~/.pgpass supply it.
# Also --db-dsn and IRTUI_DB_DSN.
# dsn = "postgresql://postgres@postgres.emrtask-prod:5432/emrtask"
interval = 2
statement_timeout_ms = 2000      # on every monitoring query
long_running_minutes = 5         # the runbook's threshold for "long-running"

[keys]
# Move a key: binding id = key(s). The ids are listed in the command palette (ctrl+p).
# "kube.rollout_restart" = "R"
# "kube.force_delete_pod" = "ctrl+k"

# Per-context overrides, e.g. a production context that is always read-only here:
# [contexts."prod-eu".cluster]
# read_only = true
'''


def run(args: Any) -> int:
    path = Path(args.config) if getattr(args, "config", None) else default_config_path()
    if path.exists() and not getattr(args, "force", False):
        print(f"irtui: {path} exists; use --force to overwrite it", file=sys.stderr)
        return 2
    try:
        private_dir(path.parent, tighten=False)
        write_private(path, TEMPLATE.encode("utf-8"))
    except OSError as exc:
        print(f"irtui: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"wrote {path}")
    return 0

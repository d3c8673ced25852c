"""`irtui init`: writes an annotated config file at the XDG path (or `--config FILE`).

Every value written is the default, so the file documents the settings without changing
behaviour; each package still owns its section's schema and validates it on load.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from irtui.config import default_config_path
from irtui.files import private_dir, write_private
from irtui.platform import ENV_PRESETS, HEALTH_PATH, HEALTH_PORT, HELM_RELEASE, NAMESPACE, SERVICES

TEMPLATE = '''\
# irtui configuration. Precedence for a value: command-line flag > environment variable >
# [contexts."CONTEXT".SECTION] > [SECTION] here. A bad value is reported as file:line: key.

[cluster]
# Refuse every mutating request (Kubernetes, PostgreSQL, HTTP) from this terminal.
# Also --read-only and IRTUI_READ_ONLY=1. Per context: [contexts."prod".cluster].
# Any of these turns it on; only --write on the command line turns it off (recorded).
read_only = false
# The namespace shown at start (default: the kubeconfig context's, else %(namespace)s); -n wins.
# namespace = %(namespace_toml)s

[incident]
# Where the timeline lives: a SQLite path (default: $XDG_DATA_HOME/irtui/incidents.sqlite) or a
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
env_presets = %(env_presets)s
helm_release = %(helm_release)s
# Lines the logs screen keeps; older lines are dropped, and it says so.
log_max_lines = 50000
# Running a command in a pod (kubectl exec) is a create on pods/exec, refused in read-only.
# true: a read-only terminal may still run the exec checks that only read (health curl,
# pg_isready, pg_controldata, verify:data, netstat, the EMR checks).
allow_read_only_exec = false

[scripts]
# The team's own scripts the runbook's steps run (Q smoke tests, ctrl+d failover, ctrl+u
# restore): name = path. They get KUBECONFIG, IRTUI_CONTEXT and IRTUI_NAMESPACE.
# smoke_tests = "~/ops/smoke-tests.sh"
# failover_to_dr = "~/ops/failover-to-dr.sh"
# restore_database = "~/ops/restore-database.sh"

[metrics]
source = "prometheus"            # or "scrape": read /metrics directly and compute rates here
prometheus_url = "http://127.0.0.1:9090"
interval = 10                    # seconds between refreshes
history_minutes = 30
services = %(services)s

[metrics.thresholds]
# Where the metrics pane turns yellow (warn) and red (crit).
error_pct_warn = 1.0
error_pct_crit = 5.0
p95_ms_warn = 500
p95_ms_crit = 1000

# [metrics.promql]
# The queries, each answering per service (by (service)); these are the defaults.
# request_rate = "sum by (service) (rate(http_requests_total[1m]))"
# error_rate = "sum by (service)(rate(http_request_errors_total[1m])) / sum by (service)(rate(http_requests_total[1m]))"
# p95 = "histogram_quantile(0.95, sum by (service, le)(rate(http_request_duration_seconds_bucket[5m])))"

[health]
services = %(services)s
namespace = %(namespace_toml)s
port = %(health_port)d
path = %(health_path)s
interval = 30                    # seconds between automatic rounds

[database]
# The PostgreSQL to monitor. No password here: PGPASSWORD or ~/.pgpass supply it.
# Also --db-dsn and IRTUI_DB_DSN.
# dsn = "postgresql://postgres@postgres.%(namespace)s:5432/emrtask"
interval = 2
statement_timeout_ms = 2000      # on every monitoring query
long_running_minutes = 5         # the runbook's threshold for "long-running"

[detect]
# While no incident is open, these raise the alert banner (and suggest a severity).
error_pct = 5.0                  # a service's error rate at or above this
p95_ms = 1000                    # a service's p95 latency at or above this
crashloop_restarts = 3           # restarts that make an Error/CrashLoopBackOff pod a crash loop
warning_burst = 10               # Warning events within warning_window seconds
warning_window = 60
primary_database = "StatefulSet/postgres"
notify_terminal = true           # bell and desktop notification; false on a wall screen

[notify]
# Where status updates go. Secrets are never written here: each *_env key names the
# environment variable that holds the secret. A channel left out is not offered.
attempts = 4                     # tries per send before an update waits in the queue
retry_base_seconds = 1           # capped, jittered exponential backoff
retry_cap_seconds = 60
timeout_seconds = 10

# [notify.slack]
# webhook_url_env = "SLACK_WEBHOOK_URL"
# channels = { "#oncall" = "SLACK_ONCALL_WEBHOOK_URL" }

# [notify.statuspage]
# page_id = "abc123"
# api_key_env = "STATUSPAGE_API_KEY"
# components = { "api-gateway" = "cmp123" }

# [notify.pagerduty]
# routing_key_env = "PAGERDUTY_ROUTING_KEY"   # Events API v2
# api_key_env = "PAGERDUTY_API_KEY"           # REST API v2, with from_email
# from_email = "oncall@example.com"

# [notify.email]
# host = "smtp.example.com"
# port = 587
# sender = "irtui@example.com"
# recipients = ["admins@example.com"]
# username = "irtui"
# password_env = "SMTP_PASSWORD"
# starttls = true

# An SMS gateway or in-app banner service:
# [notify.webhook]
# url_env = "BANNER_WEBHOOK_URL"

[redaction]
# Extra regular expressions hidden everywhere irtui shows or records text (patient ids...).
# patterns = ["MRN-[0-9]{8}"]

[keys]
# Move a key: binding id = key(s), several separated by commas. `irtui help keys` lists
# every id with its default key; `?` in the app shows the keys in effect.
# "kube.rollout_restart" = "ctrl+r"
# "app.sidebar" = "f4"

[ui]
# Colour theme (also --theme; the command palette's theme picker lists them).
# theme = "textual-dark"

# Per-context overrides: [contexts."CONTEXT".cluster], .actions and .database.
# A production context that is always read-only here, in its own namespace:
# [contexts."prod-eu".cluster]
# read_only = true
# namespace = %(namespace_toml)s
# A staging context with a different namespace and database:
# [contexts."staging".cluster]
# namespace = "emrtask-staging"
# [contexts."staging".database]
# dsn = "postgresql://postgres@postgres.emrtask-staging:5432/emrtask"
''' % {
    # The platform's defaults, written as TOML values (JSON's strings and lists are TOML's).
    "namespace": NAMESPACE, "namespace_toml": json.dumps(NAMESPACE), "services": json.dumps(list(SERVICES)),
    "env_presets": json.dumps(list(ENV_PRESETS)), "helm_release": json.dumps(HELM_RELEASE),
    "health_port": HEALTH_PORT, "health_path": json.dumps(HEALTH_PATH),
}


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

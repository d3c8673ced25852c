"""The platform irtui ships for, declared once: its namespace, its services, where they
answer health checks and metrics scrapes, its Helm release and its environment presets.

These are defaults only, read by the settings that a config can override (`[cluster]`,
`[health]`, `[metrics]`, `[actions]`) and by the kube connection when neither `-n`, the
config nor the kubeconfig context names a namespace; precedence stays the config loader's.
The built-in runbook (`runbook/emr-platform.toml`) describes the same platform in its own
words, as a team's runbook describes theirs. The simulator (`irtui.sim`) stands alone and
seeds its own world.
"""

from __future__ import annotations

NAMESPACE = "emrtask-prod"
SERVICES = ("api-gateway", "task-service", "emr-service", "sync-service", "handover-service")
HEALTH_PORT = 3000
HEALTH_PATH = "/health"
METRICS_PORT = 9090
METRICS_PATH = "/metrics"
HELM_RELEASE = "emrtask-prod"
# What "set env" offers first: the runbook's EMR fallback mode, then debug logging.
ENV_PRESETS = ("EMR_FALLBACK_MODE=true", "LOG_LEVEL=debug")

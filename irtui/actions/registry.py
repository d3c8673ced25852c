"""Every action, declared once: id, title, default key, target kinds, danger, equivalent
command, how it is rehearsed, how it is undone.

This module owns the list and the lookups the UI needs from it (Textual `Binding`s with
ids so users can remap keys, palette entries, "what applies to this target"). The ids are
the runbook's action ids; the runbook TOML refers to them, so renaming one is a breaking
change. Implementations are named by dotted path and imported only when first run.
"""

from __future__ import annotations

import importlib
import shlex
from dataclasses import dataclass
from typing import Iterable

from irtui.actions.model import ActionSpec, Danger, Param
from irtui.actions.settings import DEFAULT_ENV_PRESETS

_SERVER_DRY_RUN = "server-side dry run (dryRun=All): the API server validates and admits the request without persisting it"


@dataclass(frozen=True)
class ExecStep:
    """What an exec action runs in a container, and where the runbook runs it."""

    argv: tuple[str, ...]
    # "statefulset/postgres": the workload whose first ready pod runs it, whatever is
    # selected; None: the selected pod (or the selected deployment's first ready pod).
    workload: str | None = None
    container: str | None = None
    # Only reads: a read-only session may run it when `[actions] allow_read_only_exec` is on.
    read_only: bool = True

    @property
    def command(self) -> str:
        where = self.workload or "<pod>"
        container = f" -c {self.container}" if self.container else ""
        return f"kubectl exec -n <namespace> {where}{container} -- {shlex.join(self.argv)}"


FHIR_BASE = "https://fhir.epic.com/interconnect-fhir-oauth"
# Status codes only (-o /dev/null): a FHIR answer can hold patient data and a token answer a
# credential, and this output is shown on a shared screen and kept in the timeline.
_STATUS_ONLY = ("-fsS", "-o", "/dev/null", "-w", "%{http_code}\\n")

EXEC_STEPS: dict[str, ExecStep] = {
    "exec.health_curl": ExecStep(("curl", "-fsS", "http://localhost:3000/health")),
    "exec.fhir_check": ExecStep(("curl", *_STATUS_ONLY, f"{FHIR_BASE}/api/FHIR/R4/Patient"),
                                workload="deployment/emr-service"),
    # Through the pod's shell so the credentials come from the pod's own environment: they
    # are never typed here, shown, or recorded.
    "exec.oauth_check": ExecStep(("sh", "-c", 'curl -fsS -o /dev/null -w "%{http_code}\\n" -X POST '
                                             f'{FHIR_BASE}/oauth2/token -d "client_id=$CLIENT_ID" '
                                             '-d "client_secret=$CLIENT_SECRET"'),
                                 workload="deployment/emr-service"),
    "exec.verify_data": ExecStep(("npm", "run", "verify:data"), workload="deployment/task-service"),
    "exec.pg_isready": ExecStep(("pg_isready",), workload="statefulset/postgres"),
    "exec.pg_controldata": ExecStep(("pg_controldata", "/var/lib/postgresql/data"), workload="statefulset/postgres"),
    "exec.netstat": ExecStep(("netstat", "-tn"), workload="deployment/task-service"),
}

_EXEC_DRY_RUN = "none: a command in a container cannot be rehearsed; the exact argv is shown before it runs"


def _exec(action_id: str, title: str, key: str, description: str, impl: str) -> ActionSpec:
    step = EXEC_STEPS[action_id]
    return ActionSpec(
        id=action_id, title=title, key=key,
        target_kinds=("namespace",) if step.workload else ("pod", "deployment"),
        danger=Danger.LOW if step.read_only else Danger.HIGH,
        # An exec is a create on pods/exec, whatever the command does.
        mutating=True, description=description, dry_run=_EXEC_DRY_RUN, undo=None,
        command=step.command, group="exec", impl=f"irtui.actions.exec:{impl}",
    )


# Read-only actions that still write files here: a read-only terminal writes nothing at all.
_WRITES_FILES = {"forensics.collect": "forensics writes its bundle (logs, descriptions) to this disk"}


def read_only_refusal(spec: ActionSpec, settings) -> str | None:
    """Why `spec` may not run in a read-only session, or None when it may."""
    if spec.id in _WRITES_FILES:
        return f"read-only terminal: {_WRITES_FILES[spec.id]}; run it from a responder's terminal"
    if not spec.mutating:
        return None
    step = EXEC_STEPS.get(spec.id)
    if step is None:
        return "read-only"
    if step.read_only and settings.allow_read_only_exec:
        return None
    why = "read-only: running a command in a pod is a create on pods/exec"
    return f"{why} (a read-only check may run if [actions] allow_read_only_exec = true)" if step.read_only else why


def _scale_danger(params) -> Danger:
    try:
        return Danger.HIGH if int(params.get("replicas", 1)) == 0 else Danger.MEDIUM
    except (TypeError, ValueError):
        return Danger.MEDIUM


ACTIONS: tuple[ActionSpec, ...] = (
    # --- Resolve: quick fixes ---
    ActionSpec(
        id="kube.rollout_restart", title="Rollout restart", key="R",
        target_kinds=("deployment", "statefulset"), danger=Danger.MEDIUM, mutating=True,
        description="Replace every pod of the workload, following its rollout strategy.",
        dry_run=_SERVER_DRY_RUN, undo=None,
        command="kubectl rollout restart deployment/<name> -n <namespace>",
        impl="irtui.actions.kube:RolloutRestart",
    ),
    ActionSpec(
        id="kube.rollout_restart_all", title="Restart every deployment", key="exclamation_mark",
        target_kinds=("namespace",), danger=Danger.HIGH, mutating=True,
        description="P0 outage option B: rollout restart of every Deployment in the namespace.",
        dry_run=_SERVER_DRY_RUN, undo=None,
        command="kubectl rollout restart deployment -n <namespace>",
        impl="irtui.actions.kube:RolloutRestartAll",
    ),
    ActionSpec(
        id="kube.scale", title="Scale", key="S",
        target_kinds=("deployment", "statefulset"), danger=Danger.MEDIUM, mutating=True,
        description="Set the number of replicas (0 takes the service down: typed confirmation).",
        dry_run=_SERVER_DRY_RUN, undo="scale back to the previous replica count",
        command="kubectl scale deployment/<name> --replicas=<N> -n <namespace>",
        params=(Param("replicas", "Replicas", int, None, help="desired number of pods"),),
        impl="irtui.actions.kube:Scale", danger_for=_scale_danger,
    ),
    ActionSpec(
        id="kube.isolate", title="Isolate (scale to 0)", key="Z",
        target_kinds=("deployment", "statefulset"), danger=Danger.HIGH, mutating=True,
        description="Security breach step 1: scale the compromised service to zero replicas.",
        dry_run=_SERVER_DRY_RUN, undo="scale back to the previous replica count",
        command="kubectl scale deployment --replicas=0 -n <namespace> <name>",
        impl="irtui.actions.kube:Isolate",
    ),
    ActionSpec(
        id="kube.delete_pod", title="Delete pod", key="X",
        target_kinds=("pod",), danger=Danger.MEDIUM, mutating=True,
        description="Delete the pod gracefully; its controller creates a replacement.",
        dry_run=_SERVER_DRY_RUN, undo=None,
        command="kubectl delete pod <name> -n <namespace>",
        impl="irtui.actions.kube:DeletePod",
    ),
    ActionSpec(
        id="kube.force_delete_pod", title="Force delete pod", key="ctrl+k",
        target_kinds=("pod",), danger=Danger.HIGH, mutating=True,
        description="Delete the pod immediately (grace period 0), for pods stuck terminating.",
        dry_run=_SERVER_DRY_RUN, undo=None,
        command="kubectl delete pod <name> -n <namespace> --force --grace-period=0",
        impl="irtui.actions.kube:ForceDeletePod",
    ),
    ActionSpec(
        id="kube.rollback", title="Roll back deployment", key="B",
        target_kinds=("deployment",), danger=Danger.MEDIUM, mutating=True,
        description="Roll the deployment back to its previous ReplicaSet revision (rollout undo).",
        dry_run=_SERVER_DRY_RUN, undo="roll back again (to the revision rolled back from)",
        command="kubectl rollout undo deployment/<name> -n <namespace>",
        impl="irtui.actions.kube:Rollback",
    ),
    ActionSpec(
        id="helm.rollback", title="Helm rollback", key="ctrl+b",
        target_kinds=("release", "namespace"), danger=Danger.HIGH, mutating=True,
        description="Roll the helm release back to its previous revision (P0 outage option A).",
        dry_run="helm rollback --dry-run", undo="helm rollback to the revision that was current",
        command="helm rollback <release> -n <namespace>",
        group="helm", impl="irtui.actions.helm:HelmRollback",
    ),
    ActionSpec(
        id="helm.history", title="Helm history", key="Y",
        target_kinds=("release", "namespace"), danger=Danger.LOW, mutating=False,
        description="Recent releases of the helm release (Investigate: check recent deployments).",
        dry_run="read only", undo=None,
        command="helm history <release> -n <namespace>",
        group="helm", impl="irtui.actions.helm:HelmHistory",
    ),
    # --- EMR integration / security: configuration ---
    ActionSpec(
        id="kube.set_env", title="Set environment variable", key="E",
        target_kinds=("deployment", "statefulset"), danger=Danger.MEDIUM, mutating=True,
        description="Set an env var on every container (EMR_FALLBACK_MODE=true, LOG_LEVEL=debug); rolls the pods.",
        dry_run=_SERVER_DRY_RUN, undo="unset the variable, or restore its previous value",
        command="kubectl set env deployment/<name> -n <namespace> NAME=VALUE",
        params=(Param("name", "Variable (or NAME=VALUE)", str, DEFAULT_ENV_PRESETS[0], DEFAULT_ENV_PRESETS,
                      "a preset, or NAME=VALUE"),
                Param("value", "Value", str, None, help="leave empty when NAME=VALUE was given")),
        impl="irtui.actions.kube:SetEnv",
    ),
    ActionSpec(
        id="kube.unset_env", title="Unset environment variable", key="ctrl+e",
        target_kinds=("deployment", "statefulset"), danger=Danger.MEDIUM, mutating=True,
        description="Remove an env var from every container; rolls the pods.",
        dry_run=_SERVER_DRY_RUN, undo="set the variable back to its previous value",
        command="kubectl set env deployment/<name> -n <namespace> NAME-",
        params=(Param("name", "Variable", str, "EMR_FALLBACK_MODE", ("EMR_FALLBACK_MODE", "LOG_LEVEL")),),
        impl="irtui.actions.kube:UnsetEnv",
    ),
    ActionSpec(
        id="kube.delete_secret", title="Delete secret (revoke)", key="ctrl+x",
        target_kinds=("secret",), danger=Danger.HIGH, mutating=True,
        description="Security breach step 2: delete a compromised credential.",
        dry_run=_SERVER_DRY_RUN, undo=None,
        command="kubectl delete secret -n <namespace> <name>",
        impl="irtui.actions.kube:DeleteSecret",
    ),
    ActionSpec(
        id="kube.edit_configmap", title="Set ConfigMap key", key="M",
        target_kinds=("configmap",), danger=Danger.MEDIUM, mutating=True,
        description="Database failure step 5: update a connection string (one key of a ConfigMap).",
        dry_run=_SERVER_DRY_RUN, undo="set the key back to its previous value",
        command="kubectl patch configmap <name> -n <namespace> --type=merge -p '{\"data\":{\"KEY\":\"VALUE\"}}'",
        params=(Param("key", "Key (or KEY=VALUE)", str, None), Param("value", "Value", str, None,
                                                                       help="leave empty when KEY=VALUE was given")),
        impl="irtui.actions.kube:SetConfigMapKey",
    ),
    ActionSpec(
        id="kube.rollout_status", title="Rollout status", key="W",
        target_kinds=("deployment",), danger=Danger.LOW, mutating=False,
        description="Verify a restart or rollback: has the rollout finished?",
        dry_run="read only", undo=None,
        command="kubectl rollout status deployment/<name> -n <namespace>",
        impl="irtui.actions.kube:RolloutStatus",
    ),
    # --- nodes ---
    ActionSpec(
        id="kube.cordon", title="Cordon node", key="C",
        target_kinds=("node",), danger=Danger.LOW, mutating=True,
        description="Mark the node unschedulable; running pods stay.",
        dry_run=_SERVER_DRY_RUN, undo="uncordon",
        command="kubectl cordon <node>",
        impl="irtui.actions.kube:Cordon",
    ),
    ActionSpec(
        id="kube.uncordon", title="Uncordon node", key="O",
        target_kinds=("node",), danger=Danger.LOW, mutating=True,
        description="Mark the node schedulable again.",
        dry_run=_SERVER_DRY_RUN, undo="cordon again",
        command="kubectl uncordon <node>",
        impl="irtui.actions.kube:Uncordon",
    ),
    ActionSpec(
        id="kube.drain", title="Drain node", key="D",
        target_kinds=("node",), danger=Danger.HIGH, mutating=True,
        description="Cordon the node and evict its pods (DaemonSet pods stay).",
        dry_run=_SERVER_DRY_RUN, undo="uncordon (evicted pods are not moved back)",
        command="kubectl drain <node> --ignore-daemonsets --delete-emptydir-data",
        impl="irtui.actions.kube:Drain",
    ),
    # --- Investigate / Verify: read only ---
    ActionSpec(
        id="forensics.collect", title="Collect forensics", key="F",
        target_kinds=("namespace", "deployment", "statefulset", "pod"), danger=Danger.LOW, mutating=False,
        description="Logs of every container, events and object descriptions into a timestamped folder with checksums.",
        dry_run="read only", undo=None,
        command="kubectl logs -n <namespace> deployment/<name> --all-containers > logs.txt; kubectl get events -n <namespace> > events.txt",
        impl="irtui.actions.forensics:CollectForensics",
    ),
    ActionSpec(
        id="health.check_all", title="Health check all services", key="H",
        target_kinds=("namespace",), danger=Danger.LOW, mutating=False,
        description="GET /health of every service through the API server's service proxy.",
        dry_run="read only", undo=None,
        command="kubectl get --raw /api/v1/namespaces/<namespace>/services/<service>/proxy/health",
        impl="irtui.actions.health:HealthCheckAll",
    ),
    # --- database (irtui.database.remediate) ---
    ActionSpec(
        id="db.cancel_backend", title="Cancel query", key="A",
        target_kinds=("db_backend",), danger=Danger.MEDIUM, mutating=True,
        description="pg_cancel_backend: cancel the backend's running query; the session stays.",
        dry_run="preview: the backend is read back from pg_stat_activity", undo=None,
        command="psql -c \"SELECT pg_cancel_backend(<pid>);\"",
        group="database", impl="irtui.actions.db:CancelBackend",
    ),
    ActionSpec(
        id="db.terminate_backend", title="Terminate backend", key="T",
        target_kinds=("db_backend",), danger=Danger.HIGH, mutating=True,
        description="pg_terminate_backend: end the backend's session.",
        dry_run="preview: the backend is read back from pg_stat_activity", undo=None,
        command="psql -c \"SELECT pg_terminate_backend(<pid>);\"",
        group="database", impl="irtui.actions.db:TerminateBackend",
    ),
    ActionSpec(
        id="db.terminate_long_running", title="Terminate long-running queries", key="ctrl+t",
        target_kinds=("database",), danger=Danger.HIGH, mutating=True,
        description="The runbook's query: terminate every active query running longer than N minutes.",
        dry_run="preview: the list of backends that would be terminated", undo=None,
        command="psql -c \"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE state = 'active' AND query_start < now() - interval '5 minutes';\"",
        params=(Param("minutes", "Older than (minutes)", int, 5),),
        group="database", impl="irtui.actions.db:TerminateLongRunning",
    ),
    ActionSpec(
        id="db.promote_replica", title="Promote replica", key="ctrl+o",
        target_kinds=("db_replica", "database"), danger=Danger.HIGH, mutating=True,
        description="pg_promote() on the replica: it becomes a primary (database failure step 4).",
        dry_run="preview: the replica is checked to be in recovery", undo=None,
        command="kubectl exec -n <namespace> statefulset/postgres-replica -- pg_ctl promote",
        group="database", impl="irtui.actions.db:PromoteReplica",
    ),
    # --- checks the runbook runs inside pods (kubectl exec) ---
    _exec("exec.health_curl", "Health from inside the pod", "J",
          "curl -f http://localhost:3000/health in the selected pod (Classification: check service health).",
          "HealthCurl"),
    _exec("exec.fhir_check", "EMR FHIR connectivity", "ctrl+f",
          "From emr-service, reach the EMR's FHIR Patient endpoint (EMR integration failure step 2).",
          "FhirCheck"),
    _exec("exec.oauth_check", "EMR OAuth token", "ctrl+a",
          "From emr-service, ask the EMR's OAuth endpoint for a token (EMR integration failure step 3).",
          "OAuthCheck"),
    _exec("exec.verify_data", "Verify data integrity", "ctrl+y",
          "npm run verify:data in task-service (Verify: data integrity).", "VerifyData"),
    _exec("exec.pg_isready", "PostgreSQL ready?", "ctrl+g",
          "pg_isready in the postgres primary (Resolve: check PostgreSQL status).", "PgIsReady"),
    _exec("exec.pg_controldata", "PostgreSQL control data", "L",
          "pg_controldata in the postgres primary: cluster state, checkpoint (database failure step 2).",
          "PgControlData"),
    _exec("exec.netstat", "Database connections (netstat)", "ctrl+n",
          "netstat -tn in task-service: its connections to postgres:5432 (Investigate).", "Netstat"),
)


@dataclass(frozen=True)
class View:
    """An Investigate screen opened with a key (no change, no confirmation)."""

    id: str
    title: str
    key: str
    target_kinds: tuple[str, ...]
    description: str


VIEWS: tuple[View, ...] = (
    View("kube.logs", "Logs", "l", ("pod", "deployment", "statefulset"),
         "Pod logs: follow, previous container, search, jump to errors."),
    View("kube.describe", "Describe", "d", ("pod", "deployment", "statefulset", "node"),
         "Spec summary, conditions, container states and the object's events."),
    View("actions.undo", "Undo last action", "U", (), "Offer the undo of the last action that has one."),
)

_BY_ID = {spec.id: spec for spec in ACTIONS}
_IMPLS: dict[str, object] = {}


def get(action_id: str) -> ActionSpec:
    try:
        return _BY_ID[action_id]
    except KeyError:
        raise KeyError(f"unknown action {action_id!r}") from None


def all_actions() -> tuple[ActionSpec, ...]:
    return ACTIONS


def implementation(spec: ActionSpec):
    """The implementation object of a spec (imported on first use, then shared)."""
    impl = _IMPLS.get(spec.id)
    if impl is None:
        module, _, name = spec.impl.partition(":")
        impl = getattr(importlib.import_module(module), name)()
        _IMPLS[spec.id] = impl
    return impl


def for_kind(kind: str) -> list[ActionSpec]:
    return [spec for spec in ACTIONS if kind in spec.target_kinds]


# The Textual action every binding calls; the app implements `action_run_irtui_action`.
APP_ACTION = "run_irtui_action"


def bindings(ids: Iterable[str] | None = None, *, show: bool = False, keys: dict[str, str] | None = None):
    """Textual `Binding`s for the actions and views, each with `id` = the action id so
    `App.set_keymap({"kube.scale": "ctrl+s"})` remaps it. `keys` overrides defaults here too."""
    from textual.binding import Binding

    keys = keys or {}
    wanted = set(ids) if ids is not None else None
    out = []
    for item in (*ACTIONS, *VIEWS):
        if wanted is not None and item.id not in wanted:
            continue
        out.append(Binding(keys.get(item.id, item.key), f"{APP_ACTION}('{item.id}')", item.title,
                           show=show, id=item.id, tooltip=item.description))
    return out

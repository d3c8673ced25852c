"""Every action, declared once: id, title, default key, target kinds, danger, equivalent
command, how it is rehearsed, how it is undone.

This module owns the list and the lookups the UI needs from it (the keys and ids that
`irtui.ui.action_bindings` binds, palette entries, "what applies to this target"), the danger
rules that depend on the target or the parameters, the scripts steps run (`SCRIPT_STEPS`),
the steps a pane answers by showing (`SHOWN`), and a session's own steps (`use_custom`).
The ids are the runbook's action ids; the runbook TOML names them and gives each step its
target but never declares them again, so renaming one is a breaking change.
Implementations are named by dotted path and imported only when first run.
"""

from __future__ import annotations

import importlib
import re
import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from irtui.actions.model import ActionSpec, Danger, Param, Target
from irtui.platform import ENV_PRESETS

if TYPE_CHECKING:
    from irtui.actions.base import Impl
    from irtui.actions.settings import ActionSettings

# What an action id looks like: `group.name` (the runbook and the key map refer to it).
ACTION_ID = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")

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

# Without a database connection, "promote replica" is the runbook's own command, run in
# the replica's pod (`kubectl exec ... statefulset/postgres-replica -- pg_ctl promote`).
PROMOTE_IN_POD = ExecStep(("pg_ctl", "promote"), workload="statefulset/postgres-replica", read_only=False)
# A team's exec steps (`[[actions.custom]]` with kind = "exec"), for this process.
_CUSTOM_EXEC: dict[str, ExecStep] = {}


def exec_step(action_id: str) -> ExecStep | None:
    """What an exec action (irtui's or a team's) runs, or None for any other action."""
    return EXEC_STEPS.get(action_id) or _CUSTOM_EXEC.get(action_id)


_EXEC_DRY_RUN = "none: a command in a container cannot be rehearsed; the exact argv is shown before it runs"


def _exec(action_id: str, title: str, key: str, description: str) -> ActionSpec:
    step = EXEC_STEPS[action_id]
    return ActionSpec(
        id=action_id, title=title, key=key,
        target_kinds=("namespace",) if step.workload else ("pod", "deployment"),
        danger=Danger.LOW if step.read_only else Danger.HIGH,
        # An exec is a create on pods/exec, whatever the command does.
        mutating=True, description=description, dry_run=_EXEC_DRY_RUN, undo=None,
        command=step.command, group="exec", impl="irtui.actions.exec:RunInPod",
    )


# Read-only actions that still write files here: a read-only terminal writes nothing at all.
_WRITES_FILES = {"forensics.collect": "forensics writes its bundle (logs, descriptions) to this disk"}


def read_only_refusal(spec: ActionSpec, settings: ActionSettings) -> str | None:
    """Why `spec` may not run in a read-only session, or None when it may."""
    if spec.id in _WRITES_FILES:
        return f"read-only terminal: {_WRITES_FILES[spec.id]}; run it from a responder's terminal"
    if not spec.mutating:
        return None
    step = exec_step(spec.id)
    if step is None:
        return "read-only"
    if step.read_only and settings.allow_read_only_exec:
        return None
    why = "read-only: running a command in a pod is a create on pods/exec"
    return f"{why} (a read-only check may run if [actions] allow_read_only_exec = true)" if step.read_only else why


@dataclass(frozen=True)
class ScriptStep:
    """A local script a step runs: the `[scripts]` entry that gives its path, and its
    arguments (an argv, never a shell string)."""

    script: str
    args: tuple[str, ...] = ()

    @property
    def command(self) -> str:
        return shlex.join([f"<[scripts] {self.script}>", *self.args])


SCRIPT_STEPS: dict[str, ScriptStep] = {
    "smoke.run": ScriptStep("smoke_tests", ("production",)),
    "dr.failover": ScriptStep("failover_to_dr"),
    "db.restore_backup": ScriptStep("restore_database", ("latest",)),
}

_SCRIPT_DRY_RUN = "none: a local script cannot be rehearsed; its exact argv is shown before it starts"


def _script(action_id: str, title: str, key: str, danger: Danger, description: str) -> ActionSpec:
    return ActionSpec(
        id=action_id, title=title, key=key, target_kinds=("namespace",), danger=danger,
        # irtui cannot see what a script does, so it counts as a change: refused read-only.
        mutating=True, description=description, dry_run=_SCRIPT_DRY_RUN, undo=None,
        command=SCRIPT_STEPS[action_id].command, group="script", impl="irtui.actions.script:RunScript",
    )


def _scale_danger(params: Mapping[str, Any], target: Target | None = None) -> Danger:
    try:
        return Danger.HIGH if int(params.get("replicas", 1)) == 0 else Danger.MEDIUM
    except (TypeError, ValueError):
        return Danger.MEDIUM


# The StatefulSet that runs the database primary; its pods are `postgres-0`, `postgres-1`...
# (a StatefulSet names its pods `<name>-<ordinal>`, so the name alone says whose pod it is).
DATABASE_PRIMARY = "postgres"
_PRIMARY_POD = re.compile(rf"^{re.escape(DATABASE_PRIMARY)}-\d+$")


def _pod_danger(params: Mapping[str, Any], target: Target | None = None) -> Danger:
    """Deleting a pod is routine, unless it is the database primary: that is a failover."""
    if target is not None and target.kind == "pod" and _PRIMARY_POD.match(target.name):
        return Danger.HIGH
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
        impl="irtui.actions.kube:DeletePod", danger_for=_pod_danger,
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
        params=(Param("name", "Variable (or NAME=VALUE)", str, ENV_PRESETS[0], ENV_PRESETS,
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
          "curl -f http://localhost:3000/health in the selected pod (Classification: check service health)."),
    _exec("exec.fhir_check", "EMR FHIR connectivity", "ctrl+f",
          "From emr-service, reach the EMR's FHIR Patient endpoint (EMR integration failure step 2)."),
    _exec("exec.oauth_check", "EMR OAuth token", "ctrl+a",
          "From emr-service, ask the EMR's OAuth endpoint for a token (EMR integration failure step 3)."),
    _exec("exec.verify_data", "Verify data integrity", "ctrl+y",
          "npm run verify:data in task-service (Verify: data integrity)."),
    _exec("exec.pg_isready", "PostgreSQL ready?", "ctrl+g",
          "pg_isready in the postgres primary (Resolve: check PostgreSQL status)."),
    _exec("exec.pg_controldata", "PostgreSQL control data", "L",
          "pg_controldata in the postgres primary: cluster state, checkpoint (database failure step 2)."),
    _exec("exec.netstat", "Database connections (netstat)", "ctrl+n",
          "netstat -tn in task-service: its connections to postgres:5432 (Investigate)."),
    # --- local scripts ([scripts] in the config) ---
    _script("smoke.run", "Run smoke tests", "Q", Danger.LOW,
            "Verify: smoke-tests.sh production, output streamed live; escape cancels."),
    _script("dr.failover", "Failover to DR region", "ctrl+d", Danger.HIGH,
            "P0 outage option C: failover-to-dr.sh moves the platform to the DR region."),
    _script("db.restore_backup", "Restore database from backup", "ctrl+u", Danger.HIGH,
            "Database failure step 6: restore-database.sh latest."),
    # --- secrets manager ---
    ActionSpec(
        id="vault.revoke_token", title="Revoke Vault token", key="ctrl+w",
        target_kinds=("namespace",), danger=Danger.HIGH, mutating=True,
        description="Security breach step 2: revoke a compromised Vault token (POST /v1/auth/token/revoke).",
        dry_run="none: Vault has no dry run; the request is shown (without any token) before it is sent",
        undo=None, command="vault token revoke <token>",
        params=(Param("token", "Token to revoke", str, None, help="the compromised token; recorded only as a hash prefix", secret=True),),
        group="vault", impl="irtui.actions.vault:RevokeToken",
    ),
)


@dataclass(frozen=True)
class View:
    """An Investigate screen opened with a key (no change, no confirmation)."""

    id: str
    title: str
    key: str
    target_kinds: tuple[str, ...]
    description: str
    command: str = ""

    @property
    def kind(self) -> str:
        return "diagnostic"


VIEWS: tuple[View, ...] = (
    View("kube.logs", "Logs", "l", ("pod", "deployment", "statefulset"),
         "Pod logs: follow, previous container, search, jump to errors.",
         "kubectl logs -n <namespace> <pod> --tail=500"),
    View("kube.describe", "Describe", "d", ("pod", "deployment", "statefulset", "node"),
         "Spec summary, conditions, container states and the object's events.",
         "kubectl describe <kind> <name> -n <namespace>"),
    View("actions.undo", "Undo last action", "U", (), "Offer the undo of the last action that has one."),
    # The objects the playbooks touch (irtui.actions.objects): a filterable list each, from
    # which the actions on that kind run on the row under the cursor.
    View("kube.configmaps", "ConfigMaps", "f", ("namespace",),
         "Every key of every ConfigMap (M sets the key under the cursor: diff, dry run, confirm).",
         "kubectl get configmaps -n <namespace> -o yaml"),
    View("kube.secrets", "Secrets", "dollar_sign", ("namespace",),
         "Secrets by name, type, key names and age; never a value (ctrl+x deletes the one under the cursor).",
         "kubectl get secrets -n <namespace>"),
    View("kube.statefulsets", "StatefulSets", "w", ("namespace",),
         "StatefulSets: ready, role, images, age (R, S, l, d act on the row).",
         "kubectl get statefulsets -n <namespace> -o wide"),
    View("kube.recent_changes", "Recent changes", "y", ("namespace",),
         "Rollout history of every Deployment (revision, change-cause, images), and helm history when helm is installed.",
         "kubectl rollout history deployment -n <namespace>"),
)


@dataclass(frozen=True)
class Shown:
    """A runbook step irtui answers by what a pane or screen already shows (pods, error
    rates, the notify screen), not by running anything. Declared here so the runbook can
    name it like an action and `irtui runbook check` knows it."""

    id: str
    title: str
    # diagnostic | communication
    kind: str
    target_kinds: tuple[str, ...]
    command: str
    where: str


SHOWN: tuple[Shown, ...] = (
    Shown("kube.get_pods", "List pods", "diagnostic", ("namespace",), "kubectl get pods -n <namespace>",
          "the pods pane"),
    Shown("kube.get_nodes", "List nodes", "diagnostic", (), "kubectl get nodes", "the nodes pane"),
    Shown("kube.get_statefulsets", "Show a StatefulSet", "diagnostic", ("statefulset",),
          "kubectl get statefulset <name> -n <namespace>", "the StatefulSets view (w)"),
    Shown("kube.top_nodes", "Node resource usage", "diagnostic", (), "kubectl top nodes", "the nodes pane"),
    Shown("kube.top", "Pod resource usage", "diagnostic", ("namespace",), "kubectl top pods -n <namespace>",
          "the pods pane"),
    Shown("kube.describe_nodes", "Describe nodes (allocated resources)", "diagnostic", ("node",),
          'kubectl describe nodes | grep -A 5 "Allocated resources"', "describe (d) on a node"),
    Shown("kube.events", "Events", "diagnostic", ("namespace",), "kubectl get events -n <namespace>",
          "the events pane"),
    Shown("kube.componentstatuses", "Control plane status", "diagnostic", (), "kubectl get componentstatuses",
          "the header's API server state"),
    Shown("git.recent_changes", "Recent changes", "diagnostic", (), 'git log --oneline --since="1 hour ago"',
          "the recent changes view (y): rollout history, and helm history when helm is installed"),
    Shown("metrics.error_rates", "Error rates", "diagnostic", ("namespace",),
          "curl <service>/metrics | grep http_request_errors_total", "the metrics pane"),
    Shown("metrics.latency", "Response times", "diagnostic", ("namespace",),
          "curl <service>/metrics | grep -E '(http_request_duration|error_rate)'", "the metrics pane"),
    Shown("db.ping", "Database ping", "diagnostic", ("database",), "pg_isready", "the database pane"),
    Shown("db.connections", "Database connections", "diagnostic", ("database",),
          'psql -c "SELECT count(*) FROM pg_stat_activity;"', "the database pane"),
    Shown("notify.slack", "Post to Slack", "communication", (), "(Slack incoming webhook) #incident-<timestamp>",
          "the notify screen"),
    Shown("notify.statuspage", "Update status page", "communication", (), "(Statuspage API)", "the notify screen"),
    Shown("pagerduty.ack", "Acknowledge PagerDuty alert", "communication", (), "pagerduty acknowledge <incident_id>",
          "the notify screen"),
    Shown("pagerduty.resolve", "Resolve PagerDuty incident", "communication", (),
          "pagerduty resolve <incident_id>", "the notify screen"),
)

_BY_ID = {spec.id: spec for spec in ACTIONS}
_DECLARED: dict[str, View | Shown] = {**{view.id: view for view in VIEWS}, **{shown.id: shown for shown in SHOWN}}
_IMPLS: dict[str, Impl] = {}
# A team's own steps ([[actions.custom]] in the config and the runbook), for this process.
_CUSTOM: dict[str, ActionSpec] = {}


def use_custom(actions: Iterable[Any]) -> list[ActionSpec]:
    """Declare a team's own steps (`irtui.actions.custom.CustomAction`s) beside irtui's,
    replacing any declared before; returns their specs."""
    for action_id in _CUSTOM:
        _IMPLS.pop(action_id, None)
    _CUSTOM.clear()
    _CUSTOM_EXEC.clear()
    for action in actions:
        if action.id in _BY_ID or action.id in _DECLARED:
            raise ValueError(f"{action.id!r} is irtui's own action: give the team's step its own id")
        _CUSTOM[action.id] = action.spec()
        if action.kind == "exec":
            _CUSTOM_EXEC[action.id] = ExecStep(tuple(action.argv), workload=action.workload or None,
                                               container=action.container or None, read_only=action.read_only)
    return list(_CUSTOM.values())


def get(action_id: str) -> ActionSpec:
    try:
        return _BY_ID.get(action_id) or _CUSTOM[action_id]
    except KeyError:
        raise KeyError(f"unknown action {action_id!r}") from None


def all_actions() -> tuple[ActionSpec, ...]:
    return (*ACTIONS, *_CUSTOM.values())


def declared(step_id: str) -> ActionSpec | View | Shown | None:
    """Whatever the id names (an action, a view, a shown step), or None: what a runbook may
    refer to."""
    return _BY_ID.get(step_id) or _DECLARED.get(step_id)


def implementation(spec: ActionSpec) -> Impl:
    """The implementation object of a spec (imported on first use, then shared)."""
    impl = _IMPLS.get(spec.id)
    if impl is None:
        module, _, name = spec.impl.partition(":")
        factory = getattr(importlib.import_module(module), name)
        # One implementation class serves several declarations (scripts, a team's own
        # steps): it is told which one it is.
        impl = factory.for_spec(spec) if hasattr(factory, "for_spec") else factory()
        _IMPLS[spec.id] = impl
    return impl


def for_kind(kind: str) -> list[ActionSpec]:
    return [spec for spec in all_actions() if kind in spec.target_kinds]


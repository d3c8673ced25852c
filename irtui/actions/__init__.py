"""Remediations: declared once, executed through describe -> RBAC -> dry run -> confirm -> run
-> record, always via the guarded clients.

- `model`: the plain data (ActionSpec, Target, Prepared, ConfirmRequest, Outcome).
- `registry`: every action, declared once, with its key and id (bound in `irtui.ui.action_bindings`).
- `executor`: the order of the steps, the guardrails, the 409 retry, the recording.
- `kube`, `helm`, `db`, `forensics`, `health`, `exec`, `script`, `vault`: the implementations.
- `custom`: a team's own steps (`[[actions.custom]]`): their schema; `http`: their HTTP kind.
- `output`: a running command's output (a script, an exec) made visible and digested for the timeline.
- `kubeapi`: the actions' door to the REST client (`irtui.kube.rest`), and access reviews.
- `investigate`: what the logs and describe screens read.
- `settings`: the `[actions]` and `[scripts]` config sections; `journal`: the `Recorder` protocol.
"""

"""Remediations: declared once, executed through describe -> RBAC -> dry run -> confirm -> run
-> record, always via the guarded clients.

- `model`: the plain data (ActionSpec, Target, Prepared, ConfirmRequest, Outcome).
- `registry`: every action, declared once; Textual bindings with ids.
- `executor`: the order of the steps, the guardrails, the 409 retry, the recording.
- `kube`, `helm`, `db`, `forensics`, `health`, `exec`: the implementations.
- `kubeapi`: raw JSON requests over the session's guarded `ApiClient`.
- `investigate`: what the logs and describe screens read.
- `settings`: the `[actions]` config section; `journal`: the `Recorder` protocol.
"""

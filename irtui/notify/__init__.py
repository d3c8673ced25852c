"""Status updates sent where the runbook says: Slack, Statuspage, PagerDuty, email and a
generic webhook, each one module behind the `Channel` interface (`channel.py`).

`settings.py` reads `[notify]` from the config (which names the environment variables that
hold keys, never the keys), `queue.py` keeps what is not yet delivered on disk, and
`delivery.py` sends, retries and records each outcome on the incident's timeline. All HTTP
goes through the guarded client, so a read-only terminal sends nothing.
"""

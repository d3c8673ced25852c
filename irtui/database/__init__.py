"""PostgreSQL: the monitor (`monitor.py`, read-only sessions, SQL in `sql/*.sql`) and the
runbook's database remediations (`remediate.py`, through a separate connection that asks
the session's `Guard` before it sends anything that acts).

Nothing here imports Textual; the database pane renders `DbSnapshot`s and hands
remediation objects to the action framework or to its own confirmation.
"""

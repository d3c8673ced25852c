"""PostgreSQL: the monitor (`monitor.py`, read-only sessions, SQL in `sql/*.sql`), polled
at its interval or its backoff (`feed.py`), and the runbook's database remediations
(`remediate.py`, through a separate connection that asks the session's `Guard` before it
sends anything that acts).

Nothing here imports Textual; the database pane renders the `DbSnapshot`s the feed
delivers, and the remediations run as the db.* actions (`irtui.actions.db`).
"""

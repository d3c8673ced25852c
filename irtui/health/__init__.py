"""Service health: the runbook's loop over each service's `/health`, through the API
server's service proxy or a direct URL, with status, latency and recent history. A result
is healthy, degraded or failing by what the service answered (its HTTP status, then the
`status` word of its body), or unknown when the question never reached it.

Rounds run on their interval (`feed.py`). Nothing here imports Textual: checks publish
plain results, the health pane renders them.
"""

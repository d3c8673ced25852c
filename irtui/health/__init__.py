"""Service health: the runbook's loop over each service's `/health`, through the API
server's service proxy or a direct URL, with status, latency and recent history.

Nothing here imports Textual: checks publish plain results, the health pane renders them.
"""

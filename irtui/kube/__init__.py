"""Everything that talks to the Kubernetes API: the guarded client, list+watch sources,
the cluster state they feed, and kubectl-compatible printing of objects.

Nothing here imports Textual: sources publish plain data, the UI renders it.
"""

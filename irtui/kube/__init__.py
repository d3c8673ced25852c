"""Everything that talks to the Kubernetes API: the connection (`client`), the one guarded
REST client (`rest`) the sources and the actions send through, list+watch sources, the
cluster state they feed, and kubectl-compatible printing of objects.

Nothing here imports Textual: sources publish plain data, the UI renders it.
"""

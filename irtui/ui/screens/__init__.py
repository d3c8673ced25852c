"""Screens pushed over the cluster view: the action confirmation and its parameters, pod
logs, describe, and the command palette provider for actions. None of them opens a socket:
reads go through `irtui.actions.investigate` in workers, changes through the executor.
"""

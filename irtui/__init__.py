"""irtui: a terminal war room for incident response on Kubernetes-hosted platforms."""

__version__ = "0.1.0"

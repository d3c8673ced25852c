"""A Kubernetes-compatible API server in one process: the demo's, the tests' and the
benchmarks' cluster. Clients of the cluster never import it; they talk to it over HTTP.
"""

"""Error rates and latency: the Prometheus HTTP API and direct /metrics scrapes."""

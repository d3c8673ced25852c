"""Error rates and latency per service: the Prometheus HTTP API (PromQL, `source.py` picks)
and direct /metrics scrapes with rates computed here (`scrape.py`, `rates.py`), polled with
backoff and kept as history (`feed.py`).

Sources publish plain `MetricsSnapshot`s (`model.py`) and only ever send GETs through
guarded clients. Nothing here imports Textual; the metrics pane renders the snapshots.
"""

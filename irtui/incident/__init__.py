"""The incident: its model, append-only hash-chained timeline, clocks, stores and report."""

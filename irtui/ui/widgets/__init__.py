"""Reusable widgets that panes are built from (no data fetching here)."""

"""The runbook as data: its schema, loader, validator, and the default EMR platform runbook."""

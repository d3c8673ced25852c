"""Status updates and paging: Slack, Statuspage and PagerDuty over guarded httpx clients."""

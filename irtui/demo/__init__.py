"""What a drill (`irtui demo`) needs beyond the simulated cluster: example scripts acting on
the simulator (`scripts/`) and stand-ins for Slack, Statuspage, PagerDuty and SMTP
(`receivers.py`). Imported by `irtui.ui.demo` only."""

SELECT pg_advisory_xact_lock(hashtext('irtui.incident.day:' || $1))

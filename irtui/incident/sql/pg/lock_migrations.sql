SELECT pg_advisory_lock(hashtext('irtui.migrate:' || $1))

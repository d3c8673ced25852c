SELECT pg_advisory_unlock(hashtext('irtui.migrate:' || $1))

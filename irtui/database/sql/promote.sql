-- Promote this standby to primary and wait up to $1 seconds for it to finish.
SELECT pg_promote(true, $1) AS promoted

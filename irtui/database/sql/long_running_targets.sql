-- The runbook's selection ("state = 'active' AND query_start < now() - interval '5 minutes'"),
-- listed before anything is terminated. $1 is the age in seconds, $2 irtui's application_name,
-- $4 an optional application_name to narrow it to one client (NULL: all, as in the runbook).
SELECT pid,
       usename AS "user",
       application_name AS application,
       client_addr::text AS client,
       datname AS database,
       backend_start,
       query_start,
       state,
       left(query, $3) AS query
FROM pg_stat_activity
WHERE state = 'active'
  AND query_start < now() - make_interval(secs => $1)
  AND backend_type = 'client backend'
  AND pid <> pg_backend_pid()
  AND application_name IS DISTINCT FROM $2
  AND ($4::text IS NULL OR application_name = $4)
ORDER BY query_start

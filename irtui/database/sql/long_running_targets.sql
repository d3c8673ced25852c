-- The runbook's selection ("state = 'active' AND query_start < now() - interval '5 minutes'"),
-- listed before anything is terminated. $1 is the age in seconds, $2 the pids of irtui's own
-- sessions (by pid: a session merely named irtui is still a target),
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
  AND pid <> ALL($2::int[])
  AND ($4::text IS NULL OR application_name = $4)
ORDER BY query_start

-- Statements running longer than $2 seconds, oldest first, without irtui's own backends
-- ($1, their pids: a name can be borrowed by anyone). $3 truncates the query text.
SELECT pid,
       usename AS "user",
       application_name AS application,
       client_addr::text AS client,
       datname AS database,
       backend_start,
       query_start,
       state,
       extract(epoch FROM now() - query_start)::float8 AS seconds,
       nullif(concat_ws(':', wait_event_type, wait_event), '') AS wait_event,
       left(query, $3) AS query
FROM pg_stat_activity
WHERE backend_type = 'client backend'
  AND pid <> pg_backend_pid()
  AND pid <> ALL($1::int[])
  AND state IS DISTINCT FROM 'idle'
  AND query_start < now() - make_interval(secs => $2)
ORDER BY query_start
LIMIT $4

-- One backend, described exactly enough to act on it and only on it (pid + backend_start).
SELECT pid,
       usename AS "user",
       application_name AS application,
       client_addr::text AS client,
       datname AS database,
       backend_start,
       query_start,
       state,
       left(query, $2) AS query
FROM pg_stat_activity
WHERE pid = $1
  AND backend_type = 'client backend'

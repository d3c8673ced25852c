-- The runbook's "kill long-running queries", restricted to the backends listed in the
-- confirmation ($1 pids, $2 their backend_start) that still match its condition ($3 seconds).
SELECT a.pid, pg_terminate_backend(a.pid) AS done
FROM pg_stat_activity AS a
JOIN unnest($1::int[], $2::timestamptz[]) AS t(pid, backend_start)
  ON t.pid = a.pid AND t.backend_start = a.backend_start
WHERE a.state = 'active'
  AND a.query_start < now() - make_interval(secs => $3)

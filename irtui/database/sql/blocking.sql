-- Who waits on whose lock, without irtui's own sessions waiting ($1, their pids).
-- pg_blocking_pids() takes the lock manager's locks, so it is only asked of backends that
-- are actually waiting on a lock.
SELECT blocked.pid AS blocked_pid,
       blocked.usename AS blocked_user,
       blocked.application_name AS blocked_application,
       extract(epoch FROM now() - blocked.query_start)::float8 AS blocked_seconds,
       blocked.wait_event AS wait_event,
       left(blocked.query, $2) AS blocked_query,
       blocker.pid AS blocking_pid,
       blocker.usename AS blocking_user,
       blocker.application_name AS blocking_application,
       blocker.state AS blocking_state,
       left(blocker.query, $2) AS blocking_query
FROM pg_stat_activity AS blocked
CROSS JOIN LATERAL unnest(pg_blocking_pids(blocked.pid)) AS b(pid)
JOIN pg_stat_activity AS blocker ON blocker.pid = b.pid
WHERE blocked.wait_event_type = 'Lock'
  AND blocked.pid <> ALL($1::int[])
ORDER BY blocked.query_start, blocker.pid
LIMIT $3

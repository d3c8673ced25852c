-- Cancel the current query of one backend, only if it is still the backend that was shown
-- (a pid can be reused by a new connection).
SELECT pid, pg_cancel_backend(pid) AS done
FROM pg_stat_activity
WHERE pid = $1 AND backend_start = $2

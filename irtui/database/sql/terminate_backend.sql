-- Terminate one backend, only if it is still the backend that was shown.
SELECT pid, pg_terminate_backend(pid) AS done
FROM pg_stat_activity
WHERE pid = $1 AND backend_start = $2

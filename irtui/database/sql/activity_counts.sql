-- Client connections by state. Everyone counts towards max_connections, irtui included,
-- so irtui's own sessions ($1, their pids) are only reported separately, not left out.
SELECT count(*)::int AS total,
       count(*) FILTER (WHERE state = 'active')::int AS active,
       count(*) FILTER (WHERE state = 'idle')::int AS idle,
       count(*) FILTER (WHERE state = 'idle in transaction')::int AS idle_in_transaction,
       count(*) FILTER (WHERE state = 'idle in transaction (aborted)')::int AS idle_in_transaction_aborted,
       count(*) FILTER (WHERE pid = ANY($1::int[]))::int AS own
FROM pg_stat_activity
WHERE backend_type = 'client backend'

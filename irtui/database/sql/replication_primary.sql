-- Standbys streaming from this server, and how far behind each one replays.
SELECT application_name AS name,
       client_addr::text AS client,
       state,
       sync_state,
       sent_lsn::text AS sent_lsn,
       replay_lsn::text AS replay_lsn,
       pg_wal_lsn_diff(sent_lsn, replay_lsn)::float8 AS lag_bytes,
       extract(epoch FROM replay_lag)::float8 AS lag_seconds
FROM pg_stat_replication
ORDER BY application_name

-- This server's side of replication: is it a standby, and how far behind is its replay.
SELECT pg_is_in_recovery() AS in_recovery,
       pg_last_wal_receive_lsn()::text AS receive_lsn,
       pg_last_wal_replay_lsn()::text AS replay_lsn,
       pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::float8 AS lag_bytes,
       extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS delay_seconds,
       (SELECT status FROM pg_stat_wal_receiver LIMIT 1) AS receiver_status

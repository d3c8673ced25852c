-- Reachability answered, now who is this server: version, uptime, capacity, role.
SELECT current_setting('server_version') AS server_version,
       pg_postmaster_start_time() AS started,
       now() AS now,
       current_setting('max_connections')::int AS max_connections,
       pg_is_in_recovery() AS in_recovery,
       current_database() AS database

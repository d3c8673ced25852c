-- The largest databases; sizes of databases this role may not connect to are left out.
SELECT datname AS name,
       pg_database_size(datname)::int8 AS bytes
FROM pg_database
WHERE datallowconn AND has_database_privilege(datname, 'CONNECT')
ORDER BY bytes DESC
LIMIT $1

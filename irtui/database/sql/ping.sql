-- The pg_isready question: does the server accept a connection and answer.
SELECT 1 AS ok

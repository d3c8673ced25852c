SELECT COALESCE(MAX(n), 0) + 1 FROM incidents WHERE day = $1

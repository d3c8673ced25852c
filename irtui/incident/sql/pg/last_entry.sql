SELECT seq, hash FROM entries WHERE incident_id = $1 ORDER BY seq DESC LIMIT 1

SELECT seq, hash FROM entries WHERE incident_id = ? ORDER BY seq DESC LIMIT 1

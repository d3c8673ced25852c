SELECT incident_id, entry_id, seq, ts, actor, kind, text, details, prev_hash, hash FROM entries WHERE incident_id = $1 AND seq > $2 ORDER BY seq

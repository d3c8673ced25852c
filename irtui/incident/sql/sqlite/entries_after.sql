SELECT incident_id, entry_id, seq, ts, actor, kind, text, details, prev_hash, hash FROM entries WHERE incident_id = ? AND seq > ? ORDER BY seq

INSERT INTO entries (incident_id, seq, entry_id, ts, actor, kind, text, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)

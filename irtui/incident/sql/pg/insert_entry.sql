INSERT INTO entries (incident_id, seq, entry_id, ts, actor, kind, text, details, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)

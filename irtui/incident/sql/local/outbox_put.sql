INSERT OR IGNORE INTO outbox (store, incident_id, entry_id, ts, actor, kind, text, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?)

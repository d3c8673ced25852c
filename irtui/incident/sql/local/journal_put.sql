INSERT OR IGNORE INTO journal (entry_id, ts, actor, kind, text, details) VALUES (?, ?, ?, ?, ?, ?)

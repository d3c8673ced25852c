SELECT incident_id, entry_id, NULL, ts, actor, kind, text, details, NULL, NULL FROM outbox WHERE store = ? ORDER BY pos

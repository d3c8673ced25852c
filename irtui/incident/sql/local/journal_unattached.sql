SELECT '', entry_id, NULL, ts, actor, kind, text, details, NULL, NULL FROM journal WHERE attached_to IS NULL ORDER BY pos

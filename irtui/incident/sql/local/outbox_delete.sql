DELETE FROM outbox WHERE entry_id = ?

INSERT OR IGNORE INTO deliveries (id, incident_id, channel, message, due) VALUES (?, ?, ?, ?, ?);

SELECT id, incident_id, channel, message, attempts, due, last_error, queued FROM deliveries ORDER BY due, rowid;

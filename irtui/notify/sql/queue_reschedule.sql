UPDATE deliveries SET attempts = ?, due = ?, last_error = ?, queued = ? WHERE id = ?;

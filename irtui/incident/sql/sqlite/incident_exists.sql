SELECT 1 FROM incidents WHERE id = ?

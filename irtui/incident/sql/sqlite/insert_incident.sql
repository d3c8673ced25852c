INSERT INTO incidents (id, day, n, created_at) VALUES (?, ?, ?, ?)

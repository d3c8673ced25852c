INSERT INTO incidents (id, day, n, created_at) VALUES ($1, $2, $3, $4)

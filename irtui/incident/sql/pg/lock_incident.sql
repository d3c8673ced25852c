-- Serializes writers of one incident: the chain head is read and extended under this row lock.
SELECT id FROM incidents WHERE id = $1 FOR UPDATE

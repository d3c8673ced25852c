-- Every incident, newest first, with whether it is open (no `closed` after the last `reopened`).
SELECT i.id,
       NOT EXISTS (
           SELECT 1 FROM entries c
           WHERE c.incident_id = i.id AND c.kind = 'closed'
             AND c.seq > COALESCE((SELECT MAX(r.seq) FROM entries r WHERE r.incident_id = i.id AND r.kind = 'reopened'), 0)
       ) AS is_open
FROM incidents i
ORDER BY i.day DESC, i.n DESC

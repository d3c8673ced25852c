SELECT incident_id, MAX(seq) FROM entries GROUP BY incident_id

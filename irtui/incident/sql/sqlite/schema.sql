-- The embedded store: incidents and their append-only timeline.
-- Entry columns are JSON text exactly as hashed, so verify recomputes the same bytes.
CREATE TABLE IF NOT EXISTS incidents (
    id TEXT PRIMARY KEY,
    day TEXT NOT NULL,
    n INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (day, n)
);
CREATE TABLE IF NOT EXISTS entries (
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    seq INTEGER NOT NULL,
    entry_id TEXT NOT NULL UNIQUE,
    ts TEXT NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (incident_id, seq)
);

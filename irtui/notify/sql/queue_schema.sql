-- Deliveries not yet made: one row per (update, channel), removed once its outcome is recorded.
CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    message TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    due REAL NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    queued INTEGER NOT NULL DEFAULT 0
);

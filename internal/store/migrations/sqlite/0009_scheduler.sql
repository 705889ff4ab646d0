-- Scheduled work inside `safeguard serve`: leases so that one instance runs a
-- job at a time, folders watched for new scans or audit-log exports, and the
-- files already taken from them.
CREATE TABLE job_leases (
    job         TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    lease_until TEXT NOT NULL,
    last_run_at TEXT,
    last_error  TEXT NOT NULL DEFAULT ''
);

CREATE TABLE watch_sources (
    id          TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    path        TEXT NOT NULL,
    options     TEXT NOT NULL DEFAULT '{}',
    created_at  TEXT NOT NULL,
    UNIQUE (practice_id, kind, path)
);

CREATE TABLE watch_files (
    practice_id TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    source_id   TEXT NOT NULL REFERENCES watch_sources(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    status      TEXT NOT NULL,
    message     TEXT NOT NULL DEFAULT '',
    taken_at    TEXT NOT NULL,
    PRIMARY KEY (source_id, name, sha256)
);

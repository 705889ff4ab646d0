-- Technology asset inventory, network zones and firewall policies, network
-- checks, the history of network changes, and the vulnerability and
-- lifecycle feeds. Every practice-owned table carries practice_id; the feeds
-- are public data shared by all practices. Times are RFC 3339 text in UTC.
CREATE TABLE assets (
    id          TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    name        TEXT NOT NULL DEFAULT '',
    kind        TEXT NOT NULL,
    zone        TEXT NOT NULL DEFAULT '',
    data        TEXT NOT NULL DEFAULT '{}',
    first_seen  TEXT NOT NULL,
    last_seen   TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX assets_by_practice ON assets (practice_id, kind, name);

CREATE TABLE asset_imports (
    id          TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('nmap', 'csv', 'sbom')),
    file        TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    source_zone TEXT NOT NULL DEFAULT '',
    scanned_at  TEXT,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL DEFAULT '',
    summary     TEXT NOT NULL DEFAULT '{}',
    evidence    TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX asset_imports_by_practice ON asset_imports (practice_id, kind, imported_at);

CREATE TABLE network_configs (
    id          TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('zones', 'policy')),
    file        TEXT NOT NULL,
    format      TEXT NOT NULL DEFAULT '',
    sha256      TEXT NOT NULL,
    content     TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX network_configs_by_practice ON network_configs (practice_id, kind, imported_at);

CREATE TABLE network_checks (
    id          TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    checked_at  TEXT NOT NULL,
    checked_by  TEXT NOT NULL DEFAULT '',
    summary     TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX network_checks_by_practice ON network_checks (practice_id, checked_at);

CREATE TABLE network_changes (
    id           TEXT PRIMARY KEY,
    practice_id  TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    at           TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id   TEXT NOT NULL DEFAULT '',
    subject      TEXT NOT NULL DEFAULT '',
    kind         TEXT NOT NULL,
    detail       TEXT NOT NULL DEFAULT '',
    source       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX network_changes_by_practice ON network_changes (practice_id, at);

CREATE TABLE feeds (
    name        TEXT PRIMARY KEY,
    version     TEXT NOT NULL DEFAULT '',
    released_at TEXT,
    fetched_at  TEXT NOT NULL,
    source      TEXT NOT NULL DEFAULT '',
    items       INTEGER NOT NULL DEFAULT 0,
    payload     BLOB NOT NULL
);

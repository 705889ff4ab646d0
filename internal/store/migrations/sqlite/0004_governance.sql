-- Governance records: business associates and their agreements, written
-- policies with their versions and acknowledgements, the workforce roster with
-- training, reminders, sanctions and access terminations, contingency plan
-- tests, and the incident log with breach assessments. Times are RFC 3339 text
-- in UTC; calendar dates are YYYY-MM-DD text; lists and small records are JSON.

CREATE TABLE vendors (
    id               TEXT PRIMARY KEY,
    practice_id      TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    service          TEXT NOT NULL DEFAULT '',
    contact          TEXT NOT NULL DEFAULT '',
    ephi             TEXT NOT NULL DEFAULT '[]',
    systems          TEXT NOT NULL DEFAULT '[]',
    active           INTEGER NOT NULL DEFAULT 1,
    baa_status       TEXT NOT NULL CHECK (baa_status IN ('none', 'requested', 'signed', 'expired', 'terminated')),
    baa_signed_on    TEXT NOT NULL DEFAULT '',
    baa_expires_on   TEXT NOT NULL DEFAULT '',
    reviewed_on      TEXT NOT NULL DEFAULT '',
    verified_on      TEXT NOT NULL DEFAULT '',
    terms            TEXT NOT NULL DEFAULT '{}',
    due_diligence    TEXT NOT NULL DEFAULT '{}',
    agreement_sha256 TEXT NOT NULL DEFAULT '',
    notes            TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    UNIQUE (practice_id, name)
);

-- Agreement files are kept in the database, addressed by their SHA-256, so a
-- backup of the database carries its evidence and both engines behave alike.
CREATE TABLE agreement_files (
    practice_id TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    sha256      TEXT NOT NULL,
    name        TEXT NOT NULL,
    media_type  TEXT NOT NULL DEFAULT 'application/octet-stream',
    size        INTEGER NOT NULL,
    content     BLOB NOT NULL,
    added_at    TEXT NOT NULL,
    added_by    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (practice_id, sha256)
);

CREATE TABLE policy_versions (
    id           TEXT PRIMARY KEY,
    practice_id  TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    doc_key      TEXT NOT NULL,
    version      INTEGER NOT NULL,
    title        TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('draft', 'approved', 'superseded')),
    standards    TEXT NOT NULL DEFAULT '[]',
    citations    TEXT NOT NULL DEFAULT '[]',
    body         TEXT NOT NULL,
    body_sha256  TEXT NOT NULL,
    assessment_id TEXT NOT NULL DEFAULT '',
    generated_at TEXT NOT NULL,
    generated_by TEXT NOT NULL DEFAULT '',
    approved_by  TEXT NOT NULL DEFAULT '',
    approved_at  TEXT,
    effective_on TEXT NOT NULL DEFAULT '',
    review_due   TEXT NOT NULL DEFAULT '',
    ended_on     TEXT NOT NULL DEFAULT '',
    retain_until TEXT NOT NULL DEFAULT '',
    UNIQUE (practice_id, doc_key, version)
);
CREATE INDEX policy_versions_by_key ON policy_versions (practice_id, doc_key, status);

-- The practice's own choices that its policies state (timeouts, schedules, contacts).
CREATE TABLE policy_settings (
    practice_id TEXT PRIMARY KEY REFERENCES practices(id) ON DELETE CASCADE,
    settings    TEXT NOT NULL DEFAULT '{}',
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL DEFAULT ''
);

CREATE TABLE workforce_members (
    id                TEXT PRIMARY KEY,
    practice_id       TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    name              TEXT NOT NULL,
    role              TEXT NOT NULL DEFAULT '',
    email             TEXT NOT NULL DEFAULT '',
    access_granted_on TEXT NOT NULL DEFAULT '',
    security_official INTEGER NOT NULL DEFAULT 0,
    left_at           TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    UNIQUE (practice_id, name)
);

CREATE TABLE policy_acknowledgements (
    id                TEXT PRIMARY KEY,
    practice_id       TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    policy_version_id TEXT NOT NULL REFERENCES policy_versions(id) ON DELETE CASCADE,
    member_id         TEXT NOT NULL REFERENCES workforce_members(id) ON DELETE CASCADE,
    acknowledged_on   TEXT NOT NULL,
    recorded_at       TEXT NOT NULL,
    recorded_by       TEXT NOT NULL DEFAULT '',
    UNIQUE (policy_version_id, member_id)
);
CREATE INDEX policy_acknowledgements_by_practice ON policy_acknowledgements (practice_id, policy_version_id);

CREATE TABLE training_records (
    id           TEXT PRIMARY KEY,
    practice_id  TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    member_id    TEXT NOT NULL REFERENCES workforce_members(id) ON DELETE CASCADE,
    topic        TEXT NOT NULL,
    completed_on TEXT NOT NULL,
    next_due     TEXT NOT NULL,
    notes        TEXT NOT NULL DEFAULT '',
    recorded_at  TEXT NOT NULL,
    recorded_by  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX training_records_by_member ON training_records (practice_id, member_id, completed_on);

CREATE TABLE security_reminders (
    id          TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    sent_on     TEXT NOT NULL,
    topic       TEXT NOT NULL,
    channel     TEXT NOT NULL DEFAULT '',
    audience    TEXT NOT NULL DEFAULT '',
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX security_reminders_by_practice ON security_reminders (practice_id, sent_on);

CREATE TABLE sanctions (
    id          TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    member_id   TEXT NOT NULL REFERENCES workforce_members(id) ON DELETE CASCADE,
    occurred_on TEXT NOT NULL,
    violation   TEXT NOT NULL,
    action      TEXT NOT NULL,
    decided_by  TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sanctions_by_practice ON sanctions (practice_id, occurred_on);

CREATE TABLE termination_steps (
    id          TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    member_id   TEXT NOT NULL REFERENCES workforce_members(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL DEFAULT 0,
    item        TEXT NOT NULL,
    electronic  INTEGER NOT NULL DEFAULT 1,
    done_at     TEXT,
    done_by     TEXT NOT NULL DEFAULT '',
    UNIQUE (member_id, item)
);
CREATE INDEX termination_steps_by_member ON termination_steps (practice_id, member_id);

CREATE TABLE contingency_tests (
    id            TEXT PRIMARY KEY,
    practice_id   TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    tested_on     TEXT NOT NULL,
    kind          TEXT NOT NULL,
    scope         TEXT NOT NULL DEFAULT '',
    result        TEXT NOT NULL CHECK (result IN ('passed', 'partial', 'failed')),
    restore_hours REAL NOT NULL DEFAULT 0,
    lessons       TEXT NOT NULL DEFAULT '',
    performed_by  TEXT NOT NULL DEFAULT '',
    recorded_at   TEXT NOT NULL,
    recorded_by   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX contingency_tests_by_practice ON contingency_tests (practice_id, tested_on);

CREATE TABLE incidents (
    id            TEXT PRIMARY KEY,
    practice_id   TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    title         TEXT NOT NULL,
    category      TEXT NOT NULL DEFAULT '',
    discovered_on TEXT NOT NULL,
    occurred_on   TEXT NOT NULL DEFAULT '',
    reported_by   TEXT NOT NULL DEFAULT '',
    description   TEXT NOT NULL DEFAULT '',
    phi_involved  TEXT NOT NULL DEFAULT 'unknown',
    status        TEXT NOT NULL CHECK (status IN ('open', 'contained', 'closed')),
    actions       TEXT NOT NULL DEFAULT '',
    outcome       TEXT NOT NULL DEFAULT '',
    assessment    TEXT NOT NULL DEFAULT '{}',
    notices       TEXT NOT NULL DEFAULT '[]',
    closed_on     TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX incidents_by_practice ON incidents (practice_id, discovered_on);

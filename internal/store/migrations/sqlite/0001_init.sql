-- The first schema: practices, assessments and answers, risks and their
-- history, findings and change events. Every practice-owned table carries
-- practice_id. Times are RFC 3339 text in UTC.
CREATE TABLE practices (
    id                TEXT PRIMARY KEY,
    slug              TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    locations         TEXT NOT NULL DEFAULT '[]',
    workforce_size    INTEGER NOT NULL DEFAULT 0,
    ehr_system        TEXT NOT NULL DEFAULT '',
    specialty         TEXT NOT NULL DEFAULT '',
    time_zone         TEXT NOT NULL,
    security_official TEXT NOT NULL DEFAULT '',
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);

CREATE TABLE assessments (
    id            TEXT PRIMARY KEY,
    practice_id   TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    title         TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('draft', 'finalized')),
    bank_version  TEXT NOT NULL,
    previous_id   TEXT REFERENCES assessments(id),
    started_at    TEXT NOT NULL,
    started_by    TEXT NOT NULL DEFAULT '',
    finalized_at  TEXT,
    finalized_by  TEXT NOT NULL DEFAULT '',
    needs_review  INTEGER NOT NULL DEFAULT 0,
    review_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX assessments_by_practice ON assessments (practice_id, started_at);

CREATE TABLE answers (
    practice_id   TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    assessment_id TEXT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    question_id   TEXT NOT NULL,
    value         TEXT NOT NULL CHECK (value IN ('yes', 'partial', 'no', 'unknown', 'na')),
    note          TEXT NOT NULL DEFAULT '',
    justification TEXT NOT NULL DEFAULT '',
    answered_by   TEXT NOT NULL DEFAULT '',
    answered_at   TEXT NOT NULL,
    PRIMARY KEY (assessment_id, question_id)
);
CREATE INDEX answers_by_practice ON answers (practice_id);

CREATE TABLE risks (
    id                   TEXT PRIMARY KEY,
    practice_id          TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    assessment_id        TEXT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    risk_key             TEXT NOT NULL,
    vulnerability_id     TEXT NOT NULL,
    threat_id            TEXT NOT NULL,
    title                TEXT NOT NULL,
    citations            TEXT NOT NULL DEFAULT '[]',
    assets               TEXT NOT NULL DEFAULT '[]',
    sources              TEXT NOT NULL DEFAULT '[]',
    contradicted         INTEGER NOT NULL DEFAULT 0,
    active               INTEGER NOT NULL DEFAULT 1,
    computed_likelihood  INTEGER NOT NULL,
    computed_impact      INTEGER NOT NULL,
    likelihood           INTEGER NOT NULL,
    impact               INTEGER NOT NULL,
    level                TEXT NOT NULL,
    level_rank           INTEGER NOT NULL,
    override_rationale   TEXT NOT NULL DEFAULT '',
    residual_likelihood  INTEGER NOT NULL DEFAULT 0,
    residual_impact      INTEGER NOT NULL DEFAULT 0,
    residual_level       TEXT NOT NULL DEFAULT '',
    treatment            TEXT NOT NULL DEFAULT 'mitigate',
    status               TEXT NOT NULL DEFAULT 'open',
    owner                TEXT NOT NULL DEFAULT '',
    due                  TEXT NOT NULL DEFAULT '',
    planned_controls     TEXT NOT NULL DEFAULT '',
    effort               TEXT NOT NULL DEFAULT '',
    approver             TEXT NOT NULL DEFAULT '',
    acceptance_rationale TEXT NOT NULL DEFAULT '',
    updated_at           TEXT NOT NULL,
    UNIQUE (assessment_id, risk_key)
);
CREATE INDEX risks_by_practice ON risks (practice_id, assessment_id, level_rank);

CREATE TABLE risk_history (
    id          TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    risk_id     TEXT NOT NULL REFERENCES risks(id) ON DELETE CASCADE,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL DEFAULT '',
    field       TEXT NOT NULL,
    before      TEXT NOT NULL DEFAULT '',
    after       TEXT NOT NULL DEFAULT '',
    rationale   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX risk_history_by_risk ON risk_history (practice_id, risk_id, at);

CREATE TABLE findings (
    id          TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    source      TEXT NOT NULL,
    rule        TEXT NOT NULL,
    severity    TEXT NOT NULL CHECK (severity IN ('info', 'low', 'moderate', 'high', 'critical')),
    title       TEXT NOT NULL,
    subject     TEXT NOT NULL DEFAULT '',
    citations   TEXT NOT NULL DEFAULT '[]',
    evidence    TEXT NOT NULL DEFAULT '[]',
    status      TEXT NOT NULL DEFAULT 'open',
    fingerprint TEXT NOT NULL,
    first_seen  TEXT NOT NULL,
    last_seen   TEXT NOT NULL,
    UNIQUE (practice_id, fingerprint)
);
CREATE INDEX findings_by_practice ON findings (practice_id, source, status);

CREATE TABLE change_events (
    id          TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    occurred_on TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX change_events_by_practice ON change_events (practice_id, recorded_at);

-- EHR audit-log review: each analysis run, the review details of audit-log
-- findings, the reviewers' decisions (with the sanction applied or the
-- incident opened), periodic review sign-offs, and access recertification
-- campaigns. Raw audit events are never stored. Times are timestamptz;
-- calendar dates are YYYY-MM-DD text; lists are JSONB.

CREATE TABLE access_runs (
    id           TEXT PRIMARY KEY,
    practice_id  TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    started_at   TIMESTAMPTZ NOT NULL,
    actor        TEXT NOT NULL DEFAULT '',
    files        JSONB NOT NULL DEFAULT '[]',
    events       BIGINT NOT NULL DEFAULT 0,
    bad_rows     BIGINT NOT NULL DEFAULT 0,
    period_start TIMESTAMPTZ,
    period_end   TIMESTAMPTZ,
    findings     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX access_runs_by_practice ON access_runs (practice_id, started_at);

CREATE TABLE access_findings (
    finding_id       TEXT PRIMARY KEY REFERENCES findings(id) ON DELETE CASCADE,
    practice_id      TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    run_id           TEXT NOT NULL,
    user_login       TEXT NOT NULL DEFAULT '',
    patient          TEXT NOT NULL DEFAULT '',
    event_count      BIGINT NOT NULL DEFAULT 0,
    suggested_action TEXT NOT NULL DEFAULT '',
    updated_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX access_findings_by_practice ON access_findings (practice_id, user_login);

CREATE TABLE access_reviews (
    id          TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    finding_id  TEXT NOT NULL REFERENCES findings(id) ON DELETE CASCADE,
    decision    TEXT NOT NULL CHECK (decision IN ('confirmed', 'dismissed', 'escalated')),
    reason      TEXT NOT NULL DEFAULT '',
    sanction    TEXT NOT NULL DEFAULT '',
    incident_id TEXT NOT NULL DEFAULT '',
    decided_by  TEXT NOT NULL,
    decided_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX access_reviews_by_finding ON access_reviews (practice_id, finding_id, decided_at);

CREATE TABLE access_incidents (
    id          TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    finding_id  TEXT NOT NULL REFERENCES findings(id) ON DELETE CASCADE,
    rule        TEXT NOT NULL,
    subject     TEXT NOT NULL DEFAULT '',
    summary     TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    opened_by   TEXT NOT NULL,
    opened_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX access_incidents_by_practice ON access_incidents (practice_id, opened_at);

CREATE TABLE access_signoffs (
    id            TEXT PRIMARY KEY,
    practice_id   TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    period_start  TEXT NOT NULL,
    period_end    TEXT NOT NULL,
    signed_by     TEXT NOT NULL,
    signed_at     TIMESTAMPTZ NOT NULL,
    runs          INTEGER NOT NULL DEFAULT 0,
    events        BIGINT NOT NULL DEFAULT 0,
    findings      INTEGER NOT NULL DEFAULT 0,
    open_findings INTEGER NOT NULL DEFAULT 0,
    confirmed     INTEGER NOT NULL DEFAULT 0,
    dismissed     INTEGER NOT NULL DEFAULT 0,
    escalated     INTEGER NOT NULL DEFAULT 0,
    note          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX access_signoffs_by_practice ON access_signoffs (practice_id, signed_at);

CREATE TABLE access_recert_campaigns (
    id          TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    started_by  TEXT NOT NULL,
    due_on      TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    closed_at   TIMESTAMPTZ
);
CREATE INDEX access_recert_campaigns_by_practice ON access_recert_campaigns (practice_id, started_at);

CREATE TABLE access_recert_items (
    practice_id TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    campaign_id TEXT NOT NULL REFERENCES access_recert_campaigns(id) ON DELETE CASCADE,
    user_login  TEXT NOT NULL,
    user_name   TEXT NOT NULL DEFAULT '',
    role        TEXT NOT NULL DEFAULT '',
    department  TEXT NOT NULL DEFAULT '',
    manager     TEXT NOT NULL DEFAULT '',
    decision    TEXT NOT NULL DEFAULT 'pending' CHECK (decision IN ('pending', 'confirmed', 'removed')),
    decided_by  TEXT NOT NULL DEFAULT '',
    decided_at  TIMESTAMPTZ,
    note        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (campaign_id, user_login)
);
CREATE INDEX access_recert_items_by_practice ON access_recert_items (practice_id, campaign_id);

-- Accounts, practice memberships with roles, personal API tokens, web
-- sessions, the append-only activity log, and evidence files attached to
-- answers.
CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL DEFAULT '',
    password_hash  TEXT NOT NULL,
    totp_secret    TEXT NOT NULL DEFAULT '',
    totp_enabled   BOOLEAN NOT NULL DEFAULT FALSE,
    totp_last_step BIGINT NOT NULL DEFAULT 0,
    recovery_codes JSONB NOT NULL DEFAULT '[]',
    disabled       BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    locked_until   TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE memberships (
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    practice_id TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'assessor', 'viewer')),
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, practice_id)
);
CREATE INDEX memberships_by_practice ON memberships (practice_id);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    practices    JSONB NOT NULL DEFAULT '[]',
    can_write    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX api_tokens_by_user ON api_tokens (user_id);

CREATE TABLE web_sessions (
    token_hash TEXT PRIMARY KEY,
    data       BYTEA NOT NULL,
    expiry     TIMESTAMPTZ NOT NULL
);
CREATE INDEX web_sessions_by_expiry ON web_sessions (expiry);

CREATE TABLE activity_log (
    id          TEXT PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    user_id     TEXT NOT NULL DEFAULT '',
    actor       TEXT NOT NULL,
    practice_id TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    subject     TEXT NOT NULL DEFAULT '',
    before      JSONB NOT NULL DEFAULT '{}',
    after       JSONB NOT NULL DEFAULT '{}',
    remote_addr TEXT NOT NULL DEFAULT ''
);
CREATE INDEX activity_log_by_practice ON activity_log (practice_id, at);

CREATE FUNCTION activity_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the activity log is append-only';
END;
$$;
CREATE TRIGGER activity_log_no_change BEFORE UPDATE OR DELETE ON activity_log
    FOR EACH ROW EXECUTE FUNCTION activity_log_append_only();

CREATE TABLE evidence (
    id            TEXT PRIMARY KEY,
    practice_id   TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    assessment_id TEXT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    question_id   TEXT NOT NULL,
    filename      TEXT NOT NULL,
    content_type  TEXT NOT NULL DEFAULT 'application/octet-stream',
    size          BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    data          BYTEA NOT NULL,
    uploaded_by   TEXT NOT NULL DEFAULT '',
    uploaded_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX evidence_by_assessment ON evidence (practice_id, assessment_id, question_id);

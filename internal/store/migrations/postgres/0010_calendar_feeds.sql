-- Personal calendar feeds: a secret address per person and practice that
-- calendar programs subscribe to without signing in. Only a SHA-256 hash of
-- the secret is kept; a person has at most one live feed per practice.
CREATE TABLE calendar_feeds (
    id           TEXT PRIMARY KEY,
    practice_id  TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);
CREATE UNIQUE INDEX calendar_feeds_live ON calendar_feeds (practice_id, user_id) WHERE revoked_at IS NULL;

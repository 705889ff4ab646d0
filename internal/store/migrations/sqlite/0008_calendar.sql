-- Compliance calendar and reminders: dated records of recurring activities
-- (evaluations, scans, tests, reviews), where reminders go, and a ledger of
-- reminders so each is sent once, even with several app instances.
CREATE TABLE duties_done (
    id          TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    done_on     TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL DEFAULT '',
    recorded_at TEXT NOT NULL
);
CREATE INDEX duties_done_by_practice ON duties_done (practice_id, kind, done_on);

CREATE TABLE notify_channels (
    id          TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('email', 'webhook')),
    target      TEXT NOT NULL,
    style       TEXT NOT NULL DEFAULT '',
    label       TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    UNIQUE (practice_id, kind, target)
);

CREATE TABLE reminders (
    practice_id  TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    reminder_key TEXT NOT NULL,
    channel_id   TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT '',
    next_attempt TEXT NOT NULL,
    claimed_by   TEXT NOT NULL DEFAULT '',
    claimed_at   TEXT NOT NULL,
    sent_at      TEXT,
    subject      TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (practice_id, reminder_key, channel_id)
);
CREATE INDEX reminders_by_status ON reminders (status, next_attempt);

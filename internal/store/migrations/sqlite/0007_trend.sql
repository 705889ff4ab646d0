-- Score and open-risk history: one row per assessment per day, refreshed each
-- time the assessment is re-evaluated, for the trend on the dashboard and in
-- the executive summary.
CREATE TABLE score_snapshots (
    practice_id   TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    assessment_id TEXT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    day           TEXT NOT NULL,
    score         INTEGER NOT NULL,
    critical      INTEGER NOT NULL DEFAULT 0,
    high          INTEGER NOT NULL DEFAULT 0,
    moderate      INTEGER NOT NULL DEFAULT 0,
    low           INTEGER NOT NULL DEFAULT 0,
    recorded_at   TEXT NOT NULL,
    PRIMARY KEY (assessment_id, day)
);
CREATE INDEX score_snapshots_by_practice ON score_snapshots (practice_id, day);

-- What feedback learns from other services' events to judge pairs and describe the program.
-- No names or addresses: department and grade band are the only attributes, for aggregate cuts.
CREATE TABLE participants (
    participant_id uuid        PRIMARY KEY,
    program_id     text        NOT NULL,
    role           text        NOT NULL,      -- mentor, mentee or either, as enrolled
    department     text,
    grade_band     text,                      -- 'junior' (grade <= 3), 'mid' (4-6), 'senior' (>= 7)
    enrolled_at    timestamptz NOT NULL,
    erased_at      timestamptz
);
CREATE INDEX participants_by_program ON participants (program_id);

-- Proposals (picked suggestions) and how they ended: match acceptance.
CREATE TABLE proposals (
    pair_id     uuid        PRIMARY KEY,
    program_id  text        NOT NULL,
    proposed_at timestamptz NOT NULL,
    outcome     text                          -- NULL while open, 'accepted' or 'declined'
);

CREATE TABLE pairs (
    pair_id         uuid        PRIMARY KEY,
    program_id      text        NOT NULL,
    mentor_id       uuid        NOT NULL,
    mentee_id       uuid        NOT NULL,
    created_at      timestamptz NOT NULL,
    ended_at        timestamptz,
    end_reason      text,
    health_score    real,
    health_status   text,                     -- healthy, watch, at_risk; NULL before the first judgement
    health_reasons  text[]      NOT NULL DEFAULT '{}',
    health_at       timestamptz
);
CREATE INDEX pairs_by_program ON pairs (program_id);

-- Sessions as scheduling announced them: planned, then held (its check-in came) or cancelled.
CREATE TABLE sessions (
    session_id uuid        PRIMARY KEY,
    pair_id    uuid        NOT NULL,
    program_id text        NOT NULL,
    kind       text        NOT NULL,
    starts_at  timestamptz NOT NULL,
    status     text        NOT NULL DEFAULT 'planned'   -- planned, held, cancelled
);
CREATE INDEX sessions_by_pair ON sessions (pair_id);

CREATE TABLE goals (
    goal_id          uuid        PRIMARY KEY,
    pair_id          uuid        NOT NULL,
    program_id       text        NOT NULL,
    owner_id         uuid        NOT NULL,
    owner_role       text        NOT NULL,
    category         text        NOT NULL,
    title            text        NOT NULL,
    progress_percent integer     NOT NULL DEFAULT 0 CHECK (progress_percent BETWEEN 0 AND 100),
    status           text        NOT NULL DEFAULT 'open',  -- open, achieved, dropped
    set_at           timestamptz NOT NULL,
    achieved_at      timestamptz
);
CREATE INDEX goals_by_pair ON goals (pair_id);

-- A program's own check-in questions, versioned so old answers stay readable; version 1 is built in.
CREATE TABLE questionnaires (
    program_id text        NOT NULL,
    version    integer     NOT NULL,
    questions  jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (program_id, version)
);

ALTER TABLE feedback_requests ADD COLUMN questionnaire_version integer NOT NULL DEFAULT 1;
ALTER TABLE feedback_requests ADD COLUMN answered_at timestamptz;
ALTER TABLE responses ADD COLUMN questionnaire_version integer NOT NULL DEFAULT 1;
ALTER TABLE responses ADD COLUMN source text NOT NULL DEFAULT 'form';   -- form (HTTP) or kafka (a survey tool)

-- Baseline and end-of-program self-assessments: digital confidence (seniors), leadership confidence (juniors)...
CREATE TABLE self_assessments (
    participant_id uuid        NOT NULL,
    program_id     text        NOT NULL,
    phase          text        NOT NULL,      -- baseline, end
    scores         jsonb       NOT NULL,      -- dimension -> 1..5
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (participant_id, program_id, phase)
);

CREATE TABLE recognitions (
    recognition_id uuid        PRIMARY KEY,
    pair_id        uuid        NOT NULL,
    milestone      text        NOT NULL,
    goal_id        uuid,
    awarded_at     timestamptz NOT NULL
);
-- Each milestone once per pair (once per goal for goals achieved).
CREATE UNIQUE INDEX recognitions_once ON recognitions (pair_id, milestone, coalesce(goal_id, '00000000-0000-0000-0000-000000000000'));

-- The anonymous upward channel: concerns with no author, only a keyed hash that counts distinct
-- contributors per theme (and lets erasure find theirs); shown to leads only from 5 contributors on.
CREATE TABLE concerns (
    concern_id        uuid        PRIMARY KEY,
    program_id        text        NOT NULL,
    theme             text        NOT NULL,
    body              text        NOT NULL,
    contributor_hash  bytea       NOT NULL,
    raised_on         date        NOT NULL   -- the day only: a time could point to a person
);
CREATE INDEX concerns_by_theme ON concerns (program_id, theme);

-- Programs and their matching policy (rules, weights, ladder). Programs that already had
-- participants keep working with the default policy.
CREATE TABLE programs (
    program_id   text        PRIMARY KEY,
    policy       jsonb       NOT NULL,
    first_run_at timestamptz,
    updated_at   timestamptz NOT NULL DEFAULT now()
);
INSERT INTO programs (program_id, policy) SELECT DISTINCT program_id, '{}'::jsonb FROM participants;

ALTER TABLE pairs ADD COLUMN breakdown jsonb       NOT NULL DEFAULT '{}'::jsonb;
ALTER TABLE pairs ADD COLUMN origin    text        NOT NULL DEFAULT 'rolling';
ALTER TABLE pairs ADD COLUMN ended_at  timestamptz;
CREATE INDEX pairs_by_mentor ON pairs (mentor_id);
CREATE INDEX pairs_by_mentee ON pairs (mentee_id);

CREATE TABLE runs (
    run_id      uuid        PRIMARY KEY,
    program_id  text        NOT NULL REFERENCES programs,
    paired      integer     NOT NULL,
    unmatched   integer     NOT NULL,
    finished_at timestamptz NOT NULL DEFAULT now()
);

-- Why each participant is still waiting, as of the last run that left them out.
CREATE TABLE unmatched (
    participant_id uuid        PRIMARY KEY REFERENCES participants,
    run_id         uuid        NOT NULL,
    reasons        jsonb       NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now()
);

-- Self-declared demographics, uploaded by an admin for the fairness audit only.
-- The matcher never reads this table (a test checks its queries); erasure deletes the rows.
CREATE TABLE audit_demographics (
    program_id     text NOT NULL REFERENCES programs,
    participant_id uuid NOT NULL,
    attribute      text NOT NULL,
    value          text NOT NULL,
    PRIMARY KEY (participant_id, attribute)
);

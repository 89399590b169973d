CREATE TABLE participants (
    participant_id uuid        PRIMARY KEY,
    program_id     text        NOT NULL,
    role           text        NOT NULL,
    grade          integer     NOT NULL,
    profile        jsonb       NOT NULL,
    active_pairs   integer     NOT NULL DEFAULT 0,
    capacity       integer     NOT NULL,
    enrolled_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (active_pairs <= capacity)
);
CREATE INDEX participants_waiting ON participants (program_id, grade, enrolled_at) WHERE active_pairs < capacity;

CREATE TABLE pairs (
    pair_id    uuid        PRIMARY KEY,
    program_id text        NOT NULL,
    mentor_id  uuid        NOT NULL REFERENCES participants,
    mentee_id  uuid        NOT NULL REFERENCES participants,
    score      double precision NOT NULL,
    reasons    jsonb       NOT NULL,
    status     text        NOT NULL DEFAULT 'active',
    created_at timestamptz NOT NULL DEFAULT now()
);
-- One active pair per couple, whoever mentors whom.
CREATE UNIQUE INDEX pairs_one_active_per_couple
    ON pairs (LEAST(mentor_id, mentee_id), GREATEST(mentor_id, mentee_id)) WHERE status = 'active';

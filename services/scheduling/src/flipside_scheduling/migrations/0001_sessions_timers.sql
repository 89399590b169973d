CREATE TABLE sessions (
    session_id       uuid        PRIMARY KEY,
    pair_id          uuid        NOT NULL,
    program_id       text        NOT NULL,
    kind             text        NOT NULL,
    starts_at        timestamptz NOT NULL,
    duration_minutes integer     NOT NULL,
    mentor_id        uuid        NOT NULL,
    mentee_id        uuid        NOT NULL,
    mentor_time_zone text        NOT NULL,
    mentee_time_zone text        NOT NULL,
    correlation_id   uuid,
    status           text        NOT NULL DEFAULT 'scheduled',
    created_at       timestamptz NOT NULL DEFAULT now()
);
-- One kickoff per pair, however often PairCreated arrives.
CREATE UNIQUE INDEX sessions_one_kickoff_per_pair ON sessions (pair_id) WHERE kind = 'kickoff';
CREATE INDEX sessions_by_mentor ON sessions (mentor_id, starts_at);
CREATE INDEX sessions_by_mentee ON sessions (mentee_id, starts_at);

-- Durable timers: fired exactly once, by whichever replica claims them first.
CREATE TABLE timers (
    timer_id       bigserial   PRIMARY KEY,
    session_id     uuid        NOT NULL REFERENCES sessions,
    kind           text        NOT NULL,
    due_at         timestamptz NOT NULL,
    minutes_before integer     NOT NULL DEFAULT 0,
    status         text        NOT NULL DEFAULT 'pending',
    settled_at     timestamptz
);
CREATE INDEX timers_due ON timers (due_at) WHERE status = 'pending';

-- A program's rhythm, set by its lead; a program without a row has the defaults.
CREATE TABLE program_schedules (
    program_id text        PRIMARY KEY,
    schedule   jsonb       NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- What scheduling keeps of a paired participant, to book their later sessions.
CREATE TABLE attendees (
    participant_id  uuid    PRIMARY KEY,
    time_zone       text    NOT NULL,
    working_hours   jsonb   NOT NULL,
    country         text,
    hours_per_month integer
);

CREATE TABLE absences (
    participant_id uuid NOT NULL,
    first_day      date NOT NULL,
    last_day       date NOT NULL CHECK (last_day >= first_day),
    PRIMARY KEY (participant_id, first_day)
);

-- A pair's sessions after its kickoff, booked one at a time as each is held.
CREATE TABLE series (
    pair_id          uuid        PRIMARY KEY,
    program_id       text        NOT NULL,
    anchor_at        timestamptz NOT NULL,
    time_zone        text        NOT NULL,
    cadence          text        NOT NULL,
    session_minutes  integer     NOT NULL,
    ends_at          timestamptz NOT NULL,
    status           text        NOT NULL DEFAULT 'active'
);

ALTER TABLE sessions
    ADD COLUMN occurrence integer NOT NULL DEFAULT 0,
    ADD COLUMN sequence   integer NOT NULL DEFAULT 0;
-- One session per occurrence of a pair's series (the kickoff is occurrence 0), however often its cause arrives.
DROP INDEX sessions_one_kickoff_per_pair;
CREATE UNIQUE INDEX sessions_one_per_occurrence ON sessions (pair_id, occurrence);
CREATE INDEX timers_of_session ON timers (session_id);

-- A program as matching describes it in its lifecycle events, so its closing report can name it and say who
-- may read it. Leads and sponsors by subject and display name only: feedback keeps no addresses.
CREATE TABLE programs (
    program_id   text        PRIMARY KEY,
    name         text        NOT NULL,
    status       text        NOT NULL,      -- draft, open, matching, running, completed, cancelled
    starts_on    date,
    ends_on      date,
    leads        jsonb       NOT NULL DEFAULT '[]',   -- [{subject, display_name}]
    sponsors     jsonb       NOT NULL DEFAULT '[]',
    changed_at   timestamptz NOT NULL,      -- when the latest lifecycle event applied here occurred
    completed_at timestamptz                -- set by ProgramCompleted only
);

-- The closing self-assessment asked of each side of a completed pair: once per person and program.
CREATE TABLE closing_requests (
    request_id     uuid        PRIMARY KEY,
    program_id     text        NOT NULL,
    participant_id uuid        NOT NULL,
    pair_id        uuid        NOT NULL,
    role           text        NOT NULL,
    expires_at     timestamptz NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (program_id, participant_id)
);

-- Who withdrew from a program, and when: the closing report's retention.
CREATE TABLE withdrawals (
    participant_id uuid        NOT NULL,
    program_id     text        NOT NULL,
    withdrawn_at   timestamptz NOT NULL,
    PRIMARY KEY (participant_id, program_id)
);

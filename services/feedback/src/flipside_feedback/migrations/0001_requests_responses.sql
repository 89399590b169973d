CREATE TABLE feedback_requests (
    request_id     uuid        PRIMARY KEY,
    session_id     uuid        NOT NULL,
    pair_id        uuid        NOT NULL,
    program_id     text        NOT NULL,
    participant_id uuid        NOT NULL,
    role           text        NOT NULL,
    expires_at     timestamptz NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (session_id, participant_id)
);
CREATE INDEX feedback_requests_by_program ON feedback_requests (program_id);

-- Answers are confidential: readable by no endpoint but in aggregate.
CREATE TABLE responses (
    request_id   uuid        PRIMARY KEY REFERENCES feedback_requests,
    answers      jsonb       NOT NULL,
    submitted_at timestamptz NOT NULL DEFAULT now(),
    revision     integer     NOT NULL DEFAULT 1
);

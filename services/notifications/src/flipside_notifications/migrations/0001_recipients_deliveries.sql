-- Whom to reach and how: learnt from ParticipantEnrolled.
CREATE TABLE recipients (
    participant_id uuid PRIMARY KEY,
    display_name   text NOT NULL,
    email          text NOT NULL,
    locale         text NOT NULL,
    time_zone      text NOT NULL
);

-- One row per message owed; the unique key makes a redelivered event owe nothing more.
CREATE TABLE deliveries (
    delivery_id     uuid        PRIMARY KEY,
    event_id        uuid        NOT NULL,
    recipient_id    uuid        NOT NULL,
    channel         text        NOT NULL,
    template        text        NOT NULL,
    context         jsonb       NOT NULL,
    correlation_id  uuid,
    status          text        NOT NULL DEFAULT 'pending',
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    UNIQUE (event_id, recipient_id, channel)
);
CREATE INDEX deliveries_pending ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_by_recipient ON deliveries (recipient_id, created_at);

-- Who was erased: their ids and nothing else. An event that would bring an erased person's data back
-- (a late or replayed enrolment, a profile change re-sent by an HR system) is skipped against this.
CREATE TABLE erasures (
    participant_id uuid        PRIMARY KEY,
    erased_at      timestamptz NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now()
);

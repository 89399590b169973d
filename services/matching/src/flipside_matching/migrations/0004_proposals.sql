-- Pairs proposed from suggestions, waiting for the other side (PairProposed -> PairAccepted / PairDeclined).
CREATE TABLE proposals (
    pair_id     uuid        PRIMARY KEY,
    program_id  text        NOT NULL REFERENCES programs,
    mentor_id   uuid        NOT NULL REFERENCES participants,
    mentee_id   uuid        NOT NULL REFERENCES participants,
    proposed_by uuid        NOT NULL,
    status      text        NOT NULL DEFAULT 'pending',
    expires_at  timestamptz NOT NULL,
    decided_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX proposals_pending ON proposals (expires_at) WHERE status = 'pending';
-- One open proposal per couple at a time.
CREATE UNIQUE INDEX proposals_one_pending_per_couple
    ON proposals (LEAST(mentor_id, mentee_id), GREATEST(mentor_id, mentee_id)) WHERE status = 'pending';

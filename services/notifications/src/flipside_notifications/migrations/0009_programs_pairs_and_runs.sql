-- Programs as their lifecycle events describe them: the name and meeting link that notices carry. `updated_at` is
-- when the latest event taken happened, so an older event arriving late changes nothing.
CREATE TABLE programs (
    program_id           text        PRIMARY KEY,
    name                 text        NOT NULL,
    status               text        NOT NULL,
    meeting_kind         text,
    meeting_url_template text,
    updated_at           timestamptz NOT NULL
);

-- A program's leads and sponsors: the program's own notices go to them. Their address and language are in
-- `recipients` under `contact_id`, an id made from their subject at the identity provider.
CREATE TABLE program_contacts (
    program_id text NOT NULL REFERENCES programs ON DELETE CASCADE,
    contact_id uuid NOT NULL,
    role       text NOT NULL CHECK (role IN ('lead', 'sponsor')),
    PRIMARY KEY (program_id, contact_id, role)
);
CREATE INDEX program_contacts_by_contact ON program_contacts (contact_id);

-- The program a participant is enrolled in (none once they withdraw): who is told when it closes.
ALTER TABLE recipients ADD COLUMN program_id text;
CREATE INDEX recipients_by_program ON recipients (program_id) WHERE program_id IS NOT NULL;

-- Who is in each pair or proposal: PairDeclined and PairDissolved name the pair alone.
CREATE TABLE pair_members (
    pair_id     uuid PRIMARY KEY,
    program_id  text NOT NULL,
    mentor_id   uuid NOT NULL,
    mentee_id   uuid NOT NULL,
    proposed_by uuid
);

-- Who a match run left without a partner, until the run has been quiet long enough to tell its leads once.
CREATE TABLE unmatched_in_runs (
    run_id         uuid        NOT NULL,
    participant_id uuid        NOT NULL,
    program_id     text        NOT NULL,
    reasons        jsonb       NOT NULL,
    seen_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, participant_id)
);
CREATE TABLE summarised_runs (
    run_id        uuid        PRIMARY KEY,
    summarised_at timestamptz NOT NULL DEFAULT now()
);

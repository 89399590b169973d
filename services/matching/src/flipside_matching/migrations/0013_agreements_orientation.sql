-- A program's ground rules and confidentiality agreement, as its lead writes them: every change is a new version,
-- and what a participant accepted stays readable as they accepted it.
CREATE TABLE program_agreements (
    program_id      text        NOT NULL REFERENCES programs,
    version         integer     NOT NULL,
    ground_rules    text        NOT NULL,
    confidentiality text        NOT NULL,
    published_at    timestamptz NOT NULL,
    PRIMARY KEY (program_id, version)
);

-- Who accepted which version, when they enrolled.
CREATE TABLE agreement_acceptances (
    participant_id uuid        PRIMARY KEY,
    program_id     text        NOT NULL,
    version        integer     NOT NULL,
    accepted_at    timestamptz NOT NULL,
    FOREIGN KEY (program_id, version) REFERENCES program_agreements
);

-- Orientation guides a lead wrote for their program, per role and language; built-in ones stand in for the rest.
CREATE TABLE orientation_guides (
    program_id text        NOT NULL REFERENCES programs,
    role       text        NOT NULL,      -- mentor or mentee
    language   text        NOT NULL,
    sections   jsonb       NOT NULL,      -- [{"topic", "title", "body"}]
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (program_id, role, language)
);

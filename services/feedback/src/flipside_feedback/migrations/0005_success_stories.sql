-- Success stories a pair chooses to share: one side writes the text, each side consents to that text, and only
-- then does the program see it. The text is written for this purpose; nothing here comes from check-in answers.
CREATE TABLE success_stories (
    pair_id           uuid        PRIMARY KEY,
    program_id        text        NOT NULL,
    mentor_id         uuid        NOT NULL,
    mentee_id         uuid        NOT NULL,
    drafted_by        uuid        NOT NULL,
    body              text        NOT NULL,
    drafted_at        timestamptz NOT NULL,
    mentor_consent_at timestamptz,            -- NULL: not given, or withdrawn
    mentee_consent_at timestamptz
);
CREATE INDEX success_stories_by_program ON success_stories (program_id);

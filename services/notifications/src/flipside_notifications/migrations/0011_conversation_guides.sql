-- What each person brings and wants to learn, by name, from their profile: what a session's conversation guide is
-- chosen from. Forgotten on erasure with the rest of what notifications knows of them.
CREATE TABLE learning_areas (
    participant_id uuid   PRIMARY KEY,
    skills         text[] NOT NULL,
    goals          text[] NOT NULL
);

-- A lead's own prompts for an area of their program, in one language, in place of the built-in ones.
CREATE TABLE conversation_prompts (
    program_id text        NOT NULL,
    area       text        NOT NULL,
    language   text        NOT NULL,
    prompts    text[]      NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (program_id, area, language)
);

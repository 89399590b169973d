-- Which of a participant's calendar feed addresses is valid: tokens carry the generation they were made for,
-- so rotating one person's feed revokes their old address alone. No row: generation 0.
CREATE TABLE feed_generations (
    participant_id uuid    PRIMARY KEY,
    generation     integer NOT NULL CHECK (generation > 0)
);

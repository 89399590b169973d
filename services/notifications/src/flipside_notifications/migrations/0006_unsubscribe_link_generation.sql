-- Which of a recipient's unsubscribe links are valid: links carry the generation they were made for, so
-- rotating one person's links revokes those in the e-mails they were sent, and no one else's.
ALTER TABLE recipients ADD COLUMN link_generation integer NOT NULL DEFAULT 0;

-- A locked pair is kept by a rerun that replaces the others.
ALTER TABLE pairs ADD COLUMN locked boolean NOT NULL DEFAULT false;

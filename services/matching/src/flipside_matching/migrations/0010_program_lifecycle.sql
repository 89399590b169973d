-- A program's life: its status, its details as its lead describes them, when its enrolment closed.
-- Programs that exist already were defined by their policy alone and run with enrolment open: 'running'.
ALTER TABLE programs ADD COLUMN status text NOT NULL DEFAULT 'running';
ALTER TABLE programs ADD COLUMN details jsonb;
ALTER TABLE programs ADD COLUMN enrolment_closed_at timestamptz;
ALTER TABLE programs ADD COLUMN previous_cohort text GENERATED ALWAYS AS (details->>'previous_cohort') STORED;
-- A program defined by its details alone takes its previous cohort's policy until it has one of its own.
ALTER TABLE programs ALTER COLUMN policy DROP NOT NULL;

-- One person across cohorts: participant ids are per program, so a later cohort knows its people by e-mail.
ALTER TABLE participants ADD COLUMN person_key text GENERATED ALWAYS AS (lower(profile->>'email')) STORED;
CREATE INDEX participants_by_person ON participants (program_id, person_key);
CREATE INDEX pairs_by_program ON pairs (program_id, status);

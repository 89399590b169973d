-- A program's generation: stamped anew by every transaction that takes the program's lock to write its people, pairs
-- or notices. A replica that keeps a program's standing in memory uses it only while the generation is the one it
-- stamped itself. Values come from a sequence and are never reused, so a rolled-back stamp never reappears.
CREATE SEQUENCE program_generations;
ALTER TABLE programs ADD COLUMN generation bigint NOT NULL DEFAULT nextval('program_generations');

-- A digest of what each handled event said, so an id reused for other content is refused instead of
-- dropped as a duplicate. Rows from before have none and are taken as matching.
ALTER TABLE inbox ADD COLUMN digest bytea;

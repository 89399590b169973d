-- A tombstone (a record with no value) travels through the outbox like an event: compaction then drops its key.
ALTER TABLE outbox ALTER COLUMN payload DROP NOT NULL;

ALTER TABLE participants ADD COLUMN erased_at timestamptz;

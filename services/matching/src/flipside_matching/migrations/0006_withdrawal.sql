-- A participant who left the program: kept (until erased) but never matched again.
ALTER TABLE participants ADD COLUMN withdrawn_at timestamptz;

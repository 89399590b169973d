-- The language a participant chose for their messages; none: their profile's locale.
ALTER TABLE preferences ADD COLUMN language text CHECK (language IN ('en', 'de'));

-- A dispatcher round claims its deliveries and commits before it sends, so no transaction stays open while a
-- relay or webhook answers. The claim names the round (only it records the outcome) and lapses at
-- `claimed_until`, after which a round that died before recording is taken over: unrecorded means owed.
ALTER TABLE deliveries ADD COLUMN claimed_by uuid, ADD COLUMN claimed_until timestamptz;

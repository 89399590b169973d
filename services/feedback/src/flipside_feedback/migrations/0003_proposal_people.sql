-- The two people of a proposal, so match acceptance can be cut by department and grade band even for
-- proposals that were declined (no pair row ever names them).
ALTER TABLE proposals ADD COLUMN mentor_id uuid;
ALTER TABLE proposals ADD COLUMN mentee_id uuid;

-- What happened in each program each week (weeks start on Monday, UTC), until its leads get the week's digest;
-- `counted_at` is when the latest of it was counted: a week is digested once it has ended and gone quiet.
CREATE TABLE program_activity (
    program_id text        NOT NULL,
    week       date        NOT NULL,
    what       text        NOT NULL,
    count      integer     NOT NULL,
    counted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (program_id, week, what)
);
-- The weeks whose digest is owed already: counted once, told once.
CREATE TABLE program_digests (
    program_id text        NOT NULL,
    week       date        NOT NULL,
    owed_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (program_id, week)
);

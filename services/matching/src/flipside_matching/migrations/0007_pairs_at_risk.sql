-- Pairs feedback flagged at risk (PairAtRisk): a rematch is offered until the mentor, the mentee or the
-- program lead confirms it or keeps the pair, or feedback finds the pair healthy again (the row goes).
CREATE TABLE pairs_at_risk (
    pair_id              uuid             PRIMARY KEY REFERENCES pairs,
    score                double precision NOT NULL,
    reasons              jsonb            NOT NULL,
    since                timestamptz      NOT NULL,
    rematch_confirmed_by text,
    rematch_confirmed_at timestamptz
);

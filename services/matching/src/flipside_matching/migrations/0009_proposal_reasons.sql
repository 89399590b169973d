-- Why a proposed pair would fit, as PairProposed says it, so the person asked sees it before answering.
ALTER TABLE proposals ADD COLUMN reasons jsonb NOT NULL DEFAULT '[]'::jsonb;

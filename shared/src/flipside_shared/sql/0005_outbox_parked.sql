-- Rows the broker can never take (too large for the topic, a topic refused or gone) are parked, not retried:
-- the relay goes on past them, and an operator re-queues them with `flipside outbox retry`.
ALTER TABLE outbox ADD COLUMN parked_at timestamptz, ADD COLUMN park_reason text,
    ADD CONSTRAINT outbox_parked_never_sent CHECK (parked_at IS NULL OR sent_at IS NULL),
    ADD CONSTRAINT outbox_parked_with_reason CHECK ((parked_at IS NULL) = (park_reason IS NULL));
DROP INDEX outbox_unsent;
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL AND parked_at IS NULL;
CREATE INDEX outbox_parked ON outbox (id) WHERE parked_at IS NOT NULL;

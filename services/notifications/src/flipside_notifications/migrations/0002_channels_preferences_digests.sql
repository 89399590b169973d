-- What each participant chose: channels, muted kinds, quiet hours, digest. No row: e-mail, everything, any time.
CREATE TABLE preferences (
    participant_id    uuid        PRIMARY KEY,
    channels          text[]      NOT NULL,
    muted_kinds       text[]      NOT NULL DEFAULT '{}',
    quiet_hours_start time,
    quiet_hours_end   time,
    digest            boolean     NOT NULL DEFAULT false,
    digest_time       time        NOT NULL DEFAULT '08:00',
    slack_webhook_url text,
    teams_webhook_url text,
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK ((quiet_hours_start IS NULL) = (quiet_hours_end IS NULL))
);

-- Other systems that receive Flipside events, signed with their own secret.
CREATE TABLE webhook_subscriptions (
    subscription_id uuid        PRIMARY KEY,
    url             text        NOT NULL,
    secret          text        NOT NULL,
    event_types     text[]      NOT NULL,
    description     text        NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- A delivery to a subscription has the subscription as its recipient; `held` rows wait for a digest,
-- `digested` rows went out inside the digest delivery `digest_id`, `skipped` rows were muted or turned off.
ALTER TABLE deliveries ADD COLUMN digest_id uuid;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_status
    CHECK (status IN ('pending', 'held', 'sent', 'digested', 'skipped', 'failed'));
-- Each channel is drained by its own loop.
DROP INDEX deliveries_pending;
CREATE INDEX deliveries_pending ON deliveries (channel, next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_held ON deliveries (channel, next_attempt_at) WHERE status = 'held';

-- The hint names each channel owed new messages, so only that channel's loops wake to claim them:
-- a wake-up is a transaction per loop, and most statements owe messages on one channel.
CREATE OR REPLACE FUNCTION deliveries_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(TG_TABLE_SCHEMA || '_deliveries', owed.channel) FROM (SELECT DISTINCT channel FROM owed_rows) AS owed;
    RETURN NULL;
END $$;
DROP TRIGGER deliveries_owed ON deliveries;
CREATE TRIGGER deliveries_owed AFTER INSERT ON deliveries REFERENCING NEW TABLE AS owed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION deliveries_notify();

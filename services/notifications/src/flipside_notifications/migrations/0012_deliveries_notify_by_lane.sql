-- The hint also names the lanes owed new messages, by the hash of each recipient a lane is chosen by
-- (`repository._in_lane`): of a channel's loops, only those lanes wake, instead of every loop running a claim
-- that finds nothing. A statement owing many recipients names the channel alone and wakes all of its loops;
-- so does a hint without lanes, which a dispatcher of before this change also reads the old way (its poll
-- still finds what it does not recognise).
CREATE OR REPLACE FUNCTION deliveries_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(
        TG_TABLE_SCHEMA || '_deliveries',
        CASE WHEN owed.recipients > 32 THEN owed.channel ELSE owed.channel || ':' || owed.hashes END
    )
    FROM (
        SELECT channel,
               count(DISTINCT recipient_id) AS recipients,
               string_agg(DISTINCT ((hashtext(recipient_id::text) & 2147483647))::text, ',') AS hashes
        FROM owed_rows GROUP BY channel
    ) AS owed;
    RETURN NULL;
END $$;

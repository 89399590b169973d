-- People erased before every schema kept an erasures table: matching knew them by erased_at.
INSERT INTO erasures (participant_id, erased_at)
SELECT participant_id, erased_at FROM participants WHERE erased_at IS NOT NULL
ON CONFLICT DO NOTHING;

-- One person's survey answers are never passed on: what was owed of them to webhook subscribers before is
-- dropped unsent, and subscriptions stop listing them.
DELETE FROM deliveries WHERE channel = 'webhook' AND template = 'flipside.feedback.submitted.v1' AND status <> 'sent';
UPDATE webhook_subscriptions SET event_types = array_remove(event_types, 'flipside.feedback.submitted.v1');

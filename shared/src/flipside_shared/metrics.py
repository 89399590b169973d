"""Prometheus metrics every service exposes at /metrics: what it handled, how fast, what waits."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

EVENTS = Counter(
    "flipside_events_total",
    "Consumed records by event type and outcome (handled, duplicate, erased, ignored, dead_lettered, retried).",
    ["event_type", "outcome"],
)
HANDLER_SECONDS = Histogram(
    "flipside_handler_seconds",
    "Time from decoding a record to its transaction's commit.",
    ["event_type"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
CONSUMER_LAG = Gauge(
    "flipside_consumer_lag", "Records behind the partition's end after the last handled record.", ["topic", "partition"]
)
OUTBOX_PUBLISHED = Counter("flipside_outbox_published_total", "Outbox rows published to Kafka.")
OUTBOX_BACKLOG = Gauge("flipside_outbox_backlog", "Outbox rows waiting to be published, parked rows apart.")
OUTBOX_OLDEST_SECONDS = Gauge(
    "flipside_outbox_oldest_seconds", "Age of the oldest outbox row waiting to be published, parked rows apart."
)
OUTBOX_PARKINGS = Counter(
    "flipside_outbox_parkings_total", "Outbox rows parked because the broker refused them for good."
)
OUTBOX_PARKED = Gauge(
    "flipside_outbox_parked", "Outbox rows parked now, waiting for an operator's `flipside outbox retry`."
)
RELAY_LEADER = Gauge("flipside_outbox_relay_leader", "1 when this replica's relay holds the publishing lock.")

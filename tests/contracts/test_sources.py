"""Each event's declared sources are the services that emit it: what consumers accept is what producers send."""

from flipside_operations.contracts import service_definitions
from flipside_shared.events import EVENT_TYPES, INBOUND_STREAMS, PARTICIPANTS


def test_every_event_names_its_emitting_services_and_no_others():
    emitters = {ce_type: [] for ce_type in EVENT_TYPES}
    for definition in service_definitions():
        for event_type in definition.emits:
            emitters[event_type.ce_type].append(definition.source)
    # A version no longer published (its successor is) is still read: accepted from whoever publishes the successor,
    # which is who published it before.
    for ce_type, sources in emitters.items():
        if not sources and (successor := _successor(ce_type)) is not None:
            sources.extend(emitters[successor])
    assert {ce_type: sorted(t.sources) for ce_type, t in EVENT_TYPES.items()} == {
        t: sorted(s) for t, s in emitters.items()
    }


def _successor(ce_type: str) -> str | None:
    name, version = ce_type.rsplit(".v", 1)
    return next(
        (f"{name}.v{later}" for later in range(int(version) + 1, 10) if f"{name}.v{later}" in EVENT_TYPES), None
    )


def test_every_event_has_a_producer_and_inbound_ones_have_a_consumer():
    assert all(t.sources or t.inbound_sources for t in EVENT_TYPES.values())
    inbound_topics = {
        topic for d in service_definitions() for topic in d.handlers.subscriptions("") if topic.startswith("inbound.")
    }
    assert inbound_topics == {stream.inbound_topic("") for stream in INBOUND_STREAMS}
    assert PARTICIPANTS in INBOUND_STREAMS

import pytest

from flipside_devstack.factories import pair_created
from flipside_notifications.handlers import build_handlers
from flipside_notifications.notices import Notices
from flipside_shared.unit_of_work import UnitOfWork


class UntouchableConnection:
    def __getattr__(self, name):
        raise AssertionError(f"the handler used the connection ({name}) for work it cannot key")


async def test_an_event_without_its_consumed_envelope_is_refused_before_anything_is_written():
    event = pair_created()
    handle = build_handlers(Notices(links=None)).handler_for(event, inbound=False)
    untouchable = UntouchableConnection()
    uow = UnitOfWork(conn=untouchable, source="/flipside/notifications", repository=untouchable)
    with pytest.raises(ValueError, match="without the consumed event"):
        await handle(uow, event)

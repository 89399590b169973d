import pytest

from flipside_devstack.platform import Platform

SIMULATED_SECONDS_PER_SECOND = 86_400


@pytest.fixture(scope="module")
def platform(request, sandbox, smtp, tmp_path_factory):
    """All four services as processes, in a sandbox of their own, scheduling on an accelerated clock
    unless the module sets `CLOCK_RATE = 1` (its sessions must not pass while it runs)."""
    running = Platform(
        sandbox.bootstrap_servers,
        sandbox.database_url,
        sandbox.topic_prefix,
        tmp_path_factory.mktemp("logs"),
        smtp.port,
        clock_rate=getattr(request.module, "CLOCK_RATE", SIMULATED_SECONDS_PER_SECOND),
    ).start()
    yield running
    running.stop()

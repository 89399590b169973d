"""What `make bench` prints and writes for the services' step: every ratio against the ceiling of the same run,
and each service process's peak memory."""

import os

from benchmarks.memory import peak_rss_mib
from benchmarks.services import table

RESULTS = {
    "events_per_step": 2000,
    "figures": {
        "ceiling_events_per_second": 4000.0,
        "per_record_loop_events_per_second": 100.0,
        "matching_events_per_second": 40.0,
    },
    "ceiling": 4000.0,
    "peak_rss_mib": {"matching": 180.4, "portal": 120.0},
}


def test_every_ratio_is_a_share_of_the_ceiling():
    rows = table(RESULTS).splitlines()

    assert "| ceiling (raw, batched) | 4,000 | 100.0% |  |" in rows
    assert "| per-record loop (raw, for reference) | 100 | 2.5% |  |" in rows
    assert "| matching | 40 | 1.0% | 180 |" in rows
    assert "| portal (running, not measured) | | | 120 |" in rows


def test_peak_memory_is_the_process_high_water_mark():
    before = peak_rss_mib(os.getpid())
    # Larger than the peak so far, and resident (bytearray zero-fills every page), so a new peak above it.
    ballast = bytearray((int(before) + 32) * 1024 * 1024)

    assert peak_rss_mib(os.getpid()) >= before + 32
    del ballast

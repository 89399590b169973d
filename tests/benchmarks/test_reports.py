"""What `make bench` prints: every service step's ratio against the ceiling of the same run (e-mail: against the raw
SMTP loop over as many sessions), and each service process's peak memory."""

import os

from benchmarks import notifications, scheduling
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
    "peak_rss_mib": {"matching": 180.4},
}


def test_every_ratio_is_a_share_of_the_ceiling():
    rows = table(RESULTS).splitlines()

    assert "| ceiling (raw, batched) | 4,000 | 100.0% |  |" in rows
    assert "| per-record loop (raw, for reference) | 100 | 2.5% |  |" in rows
    assert "| matching | 40 | 1.0% | 180 |" in rows


def test_peak_memory_is_the_process_high_water_mark():
    before = peak_rss_mib(os.getpid())
    # Larger than the peak so far, and resident (bytearray zero-fills every page), so a new peak above it.
    ballast = bytearray((int(before) + 32) * 1024 * 1024)

    assert peak_rss_mib(os.getpid()) >= before + 32
    del ballast


def test_pairs_scheduled_are_a_share_of_the_ceiling_and_each_replica_s_peak_is_told():
    figures = {
        "timers_raw_baseline_per_second": 40000.0,
        "pairs_scheduled_per_second_1_replica": 200.0,
        "pairs_scheduled_per_second_2_replicas": 400.0,
        "timers_fired_per_second_1_replica": 8000.0,
        "timers_fired_per_second_2_replicas": 10000.0,
        "timers_pending": 100000,
        "peak_rss_mib_replica_1": 150.2,
        "peak_rss_mib_replica_2": 140.7,
    }

    rows = scheduling.table(figures, ceiling_events_per_second=4000.0).splitlines()

    assert "| pairs scheduled/s, 1 replica | 200 | 5% |" in rows
    assert "| timers fired/s, 1 replica | 8,000 | 20% |" in rows
    assert "Peak RSS: 150 MiB (first replica), 141 MiB (second)." in rows


def test_e_mail_is_a_share_of_the_raw_loop_over_as_many_sessions():
    figures = {
        "notifications_smtp_messages": 2000,
        "notifications_smtp_sessions": 4,
        "notifications_smtp_raw_one_session_messages_per_second": 300.0,
        "notifications_smtp_raw_messages_per_second": 400.0,
        "notifications_smtp_raw_sessions": 4,
        "notifications_smtp_delivered_messages_per_second": 100.0,
        "notifications_smtp_delivered_sessions": 4,
        "notifications_peak_rss_mib": 110.0,
        "notifications_smtp_ratio": 0.25,
    }

    rows = notifications.table(figures).splitlines()

    assert "| raw aiosmtplib loop, 4 sessions | 400 | 100% |" in rows
    assert "| raw aiosmtplib loop, 1 session (for comparison) | 300 | 75% |" in rows
    assert "| notifications service (4 sessions used, peak RSS 110 MiB) | 100 | 25% |" in rows


def test_a_profile_names_its_top_frames_by_their_share_of_the_samples(tmp_path):
    from benchmarks import profile

    collapsed = tmp_path / "profile.txt"
    collapsed.write_text(
        "main (flipside_shared/entrypoint.py:10);decode (flipside_shared/envelope.py:150) 3\n"
        "main (flipside_shared/entrypoint.py:10);decode (flipside_shared/envelope.py:160) 3\n"
        "main (flipside_shared/entrypoint.py:10);select (selectors.py:468) 4\n"
    )

    found = profile.summarise(collapsed)

    assert found["top_frames"] == {"decode (flipside_shared/envelope.py)": 0.6, "select (selectors.py)": 0.4}
    assert list(found["top_frames"]) == ["decode (flipside_shared/envelope.py)", "select (selectors.py)"]
    assert (
        "| svc | `decode (flipside_shared/envelope.py)` 60%, `select (selectors.py)` 40% |"
        in profile.top_frames_table({"svc": found}).splitlines()
    )

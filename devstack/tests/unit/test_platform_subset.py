"""A platform of some of the services (the benchmarks run each service alone): those named run, the others are
still given addresses, and a name no service is registered under is refused."""

import pytest

from flipside_devstack.platform import Platform


def launched(tmp_path, **options) -> Platform:
    return Platform("127.0.0.1:9092", "postgresql://db/flipside", "flipside.", tmp_path, 2525, **options)


def test_only_the_services_named_run_and_they_know_where_the_others_would_answer(tmp_path):
    platform = launched(tmp_path, only={"notifications"})
    assert list(platform.services) == ["notifications"]
    env = platform["notifications"].env
    assert env["FLIPSIDE_FEEDBACK_PUBLIC_BASE_URL"].startswith("http://127.0.0.1:")
    assert env["FLIPSIDE_SCHEDULING_PUBLIC_BASE_URL"].startswith("http://127.0.0.1:")


def test_without_a_choice_every_registered_service_runs(tmp_path):
    assert {"matching", "scheduling", "feedback", "notifications"} <= set(launched(tmp_path).services)


def test_a_service_nobody_registered_is_refused_by_name(tmp_path):
    with pytest.raises(ValueError, match="no registered service named \\['billing'\\]"):
        launched(tmp_path, only={"feedback", "billing"})

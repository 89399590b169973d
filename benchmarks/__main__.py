"""`make bench`: the matching engine at program scale, then each service's consume -> transaction ->
outbox -> commit step against the ceiling of the same run.

The engine is measured in-process (see matching_engine.py) against a greedy baseline and dense LSA.
All service figures come from one run on one local stack. First the ceiling (raw aiokafka + asyncpg doing the
same durable step in batches as large as the services' own, see baseline.py), the per-record loop beside it for
reference, and each service, fed the same number of events of the type it consumes, timed from the first event
published until its consumer group has committed the last, with each service process's peak memory (services.py).
Then, on the same stack, scheduling at program scale (scheduling.py) and notifications' e-mail delivery
against a raw SMTP loop (notifications.py), each against baselines measured in the same run, then the
latency of the whole chain at a fixed arrival rate, enrolment to e-mail (steady_state.py), and last a whole
company enrolled at once, to every pair's kickoff and e-mail, then again with a second process of the slowest
service (bulk.py; `FLIPSIDE_BENCH_BULK_ENROLMENTS`, 100,000 unless set).
"""

from __future__ import annotations

import os
import platform as host
import sys
from datetime import UTC, datetime

from . import bulk, matching_engine, notifications, profile, scheduling, services, steady_state
from .results import RESULTS, write_all
from .stacks import stack_of_its_own

BULK_ENROLMENTS = int(os.environ.get("FLIPSIDE_BENCH_BULK_ENROLMENTS", bulk.ENROLMENTS))


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else services.EVENTS
    engine = matching_engine.measure_all()
    with stack_of_its_own() as (stack, logs):
        services_results = services.measure(stack, logs, count)
        scheduling_figures = scheduling.measure(stack, logs, count)
        notifications_figures = notifications.measure(stack, logs)
        steady_figures = steady_state.measure(stack, logs)
        bulk_figures = bulk.measure_all(stack, logs, BULK_ENROLMENTS)
    result = {
        "measured_at": datetime.now(UTC).isoformat(),
        "machine": {"cores": os.cpu_count(), "python": host.python_version()},
        **services_results,
        "matching_engine": engine,
        "scheduling": {key: round(value, 1) for key, value in scheduling_figures.items()},
        "notifications": notifications.rounded(notifications_figures),
        "steady_state": steady_state.rounded(steady_figures),
        "bulk": bulk.rounded(bulk_figures),
    }
    write_all(result)
    print(matching_engine.table(engine) + "\n")
    print(services.table(services_results) + "\n")
    print(scheduling.table(scheduling_figures, services_results["ceiling"]) + "\n")
    print(notifications.table(notifications_figures) + "\n")
    print(steady_state.table(steady_figures) + "\n")
    print(bulk.table_of(bulk_figures) + "\n")
    print(profile.table(bulk_figures["profile_1_process"]))
    print(f"\nwritten to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

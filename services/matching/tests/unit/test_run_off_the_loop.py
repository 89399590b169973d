"""While the engine works out a match run, the service's event loop goes on: heartbeats to Kafka, HTTP answers."""

import asyncio
import time
from datetime import date

from flipside_matching import synthetic
from flipside_matching.domain.model import ProgramPolicy
from flipside_matching.domain.taxonomy import Taxonomy
from flipside_matching.matcher import plan_run
from flipside_matching.repository import Program

PEOPLE = 8000
LONGEST_PAUSE_SHARE = 0.4
"""Of the run: the engine's compiled parts hold the GIL a while (up to about a quarter of an 8,000-person run since
the run also proves its pairs maximum, measured: 0.48 s of 1.86 s at worst); on the loop, the run would be one pause
as long as itself."""


class ProgramInMemory:
    """The two reads a run plan makes, from a program held in memory."""

    def __init__(self, people):
        self._people = people

    async def people(self, program_id):
        return self._people

    async def unlocked_pairs(self, program_id):
        return []


async def test_the_event_loop_keeps_turning_while_the_engine_works():
    people, taxonomy = synthetic.participants(PEOPLE, seed=7), Taxonomy.load()
    program = Program("synthetic", ProgramPolicy(), first_run_at=None)
    pauses = []

    async def tick():
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            pauses.append(now - last)
            last = now

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0.02)  # ticking
    started = time.perf_counter()
    plan = await plan_run(ProgramInMemory(people), program, taxonomy, date(2026, 3, 2), replace_unlocked=False)
    took = time.perf_counter() - started
    await asyncio.sleep(0.02)  # a pause the run caused ends here at the latest
    ticker.cancel()

    assert plan.result.pairs, "the run paired people"
    assert max(pauses) < LONGEST_PAUSE_SHARE * took, f"the loop paused {max(pauses):.2f}s during a {took:.2f}s run"

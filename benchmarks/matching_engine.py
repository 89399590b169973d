"""The matching engine at 1k, 10k and 50k participants, against a greedy baseline and dense LSA.

Each measurement runs in a process of its own, so that its peak memory is its own. Synthetic
programs come from `flipside_matching.synthetic` (departments, reporting trees, time zones,
skills), the same generator the tests use. Run alone: `python -m benchmarks.matching_engine`.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from datetime import date

SIZES = (1_000, 10_000, 50_000)
DENSE_UP_TO = 10_000  # a dense mentees x slots matrix beyond this does not fit the memory target
WEEK = date(2026, 3, 2)


def measure(size: int, mode: str) -> dict:
    """One measurement, in this process: `sparse` (what a run does), `greedy`, or `dense`."""
    from flipside_matching import synthetic
    from flipside_matching.domain import assignment
    from flipside_matching.domain.candidates import CandidateSpace
    from flipside_matching.domain.engine import run, split_sides
    from flipside_matching.domain.model import ProgramPolicy
    from flipside_matching.domain.taxonomy import Taxonomy

    taxonomy, policy = Taxonomy.load(), ProgramPolicy()
    people = synthetic.participants(size, seed=1)
    started = time.perf_counter()
    if mode == "sparse":
        result = run(people, policy, taxonomy, WEEK)
        seconds = time.perf_counter() - started
        score = sum(p.score for p in result.pairs) + assignment.PAIRING_BONUS * len(result.pairs)
        pairs = len(result.pairs)
    else:
        mentees, mentors = split_sides(people, policy)
        space = CandidateSpace(mentees, mentors, policy, taxonomy, WEEK)
        chosen = assignment.greedy_pairs(space) if mode == "greedy" else assignment.dense_optimum(space)
        seconds = time.perf_counter() - started
        score, pairs = assignment.objective(space, chosen), len(chosen)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": round(seconds, 3), "peak_mib": round(peak), "objective": round(score, 3), "pairs": pairs}


def in_subprocess(size: int, mode: str) -> dict:
    output = subprocess.run(
        [sys.executable, "-m", "benchmarks.matching_engine", "--one", str(size), mode],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def measure_all() -> dict[str, dict]:
    figures: dict[str, dict] = {}
    for size in SIZES:
        row = {mode: in_subprocess(size, mode) for mode in ("sparse", "greedy")}
        if size <= DENSE_UP_TO:
            row["dense"] = in_subprocess(size, "dense")
        exact = row.get("dense", {}).get("objective")
        row["share_of_optimum"] = round(row["sparse"]["objective"] / exact, 5) if exact else None
        row["greedy_share_of_optimum"] = round(row["greedy"]["objective"] / exact, 5) if exact else None
        row["speedup_vs_dense"] = round(row["dense"]["seconds"] / row["sparse"]["seconds"], 1) if exact else None
        figures[f"participants_{size}"] = row
        print(f"matching engine, {size:,} participants: {json.dumps(row)}", flush=True)
    return figures


def table(figures: dict[str, dict]) -> str:
    lines = [
        "| participants | engine (sparse) s | peak MiB | pairs | share of optimum | greedy share | dense LSA s | dense peak MiB | speed-up vs dense |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for key, row in figures.items():
        dense = row.get("dense")
        lines.append(
            f"| {int(key.split('_')[1]):,} | {row['sparse']['seconds']:.2f} | {row['sparse']['peak_mib']} | {row['sparse']['pairs']:,} "
            f"| {_share(row['share_of_optimum'])} | {_share(row['greedy_share_of_optimum'])} "
            f"| {dense['seconds']:.2f} | {dense['peak_mib']} | {row['speedup_vs_dense']}x |" if dense else
            f"| {int(key.split('_')[1]):,} | {row['sparse']['seconds']:.2f} | {row['sparse']['peak_mib']} | {row['sparse']['pairs']:,} "
            f"| n/a | greedy objective {row['greedy']['objective'] / row['sparse']['objective']:.2%} of the engine's | too big | | |"
        )
    return "\n".join(lines)


def _share(value: float | None) -> str:
    return f"{value:.2%}" if value is not None else "n/a"


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        print(json.dumps(measure(int(sys.argv[2]), sys.argv[3])))
    else:
        print(table(measure_all()))

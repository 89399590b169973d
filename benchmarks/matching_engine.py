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
    """One measurement, in this process.

    `sparse`: a whole run as the service does it (features, candidates, assignment, its proof of
    maximum and exchanges, explanations), then the assignment step alone on the same candidate space;
    `greedy`: best edge first on the same candidate graph; `dense`: `linear_sum_assignment` on the full
    mentees x mentor-slots matrix. For `greedy` and `dense`, `seconds` counts building the features too,
    `assignment_seconds` does not. `score` is the total of the pairs' scores.
    """
    import numpy as np

    from flipside_matching import synthetic
    from flipside_matching.domain import assignment
    from flipside_matching.domain.candidates import CandidateSpace
    from flipside_matching.domain.engine import run, split_sides
    from flipside_matching.domain.model import ProgramPolicy
    from flipside_matching.domain.taxonomy import Taxonomy

    taxonomy, policy = Taxonomy.load(), ProgramPolicy()
    people = synthetic.participants(size, seed=1)
    figures: dict = {}
    if mode == "sparse":
        started = time.perf_counter()
        result = run(people, policy, taxonomy, WEEK)
        figures["seconds"] = time.perf_counter() - started
        figures["score"] = sum(p.score for p in result.pairs)
        figures["pairs"] = len(result.pairs)
    built = time.perf_counter()
    mentees, mentors = split_sides(people, policy)
    space = CandidateSpace(mentees, mentors, policy, taxonomy, WEEK)
    started = time.perf_counter()
    if mode == "greedy":
        chosen = assignment.greedy_pairs(space)
    elif mode == "dense":
        chosen = assignment.dense_optimum(space)
    else:
        chosen = assignment.best_assignment(space).pairs
    figures["assignment_seconds"] = time.perf_counter() - started
    if mode == "sparse":
        # No assignment's score beats every mentee getting their best allowed mentor: a bound on the optimum.
        figures["optimum_at_most"] = float(np.sum(space.candidates(1).scores.astype(np.float64)))
    if mode != "sparse":
        figures["seconds"] = time.perf_counter() - built  # building the same features, then assigning
        figures["pairs"], figures["score"] = assignment.objective(space, chosen)
    figures["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {key: round(value, 3) if isinstance(value, float) else value for key, value in figures.items()}


def in_subprocess(size: int, mode: str) -> dict:
    output = subprocess.run(
        [sys.executable, "-m", "benchmarks.matching_engine", "--one", str(size), mode],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def measure_all() -> dict[str, dict]:
    figures: dict[str, dict] = {}
    for size in SIZES:
        row = {mode: in_subprocess(size, mode) for mode in ("sparse", "greedy")}
        if size <= DENSE_UP_TO:
            row["dense"] = in_subprocess(size, "dense")
        sparse, greedy, dense = row["sparse"], row["greedy"], row.get("dense")
        row["as_many_pairs_as_optimum"] = sparse["pairs"] == dense["pairs"] if dense else None
        row["share_of_optimum"] = round(sparse["score"] / dense["score"], 5) if dense else None
        row["share_of_optimum_at_least"] = round(sparse["score"] / sparse["optimum_at_most"], 5)
        row["greedy_pairs_short"] = sparse["pairs"] - greedy["pairs"]
        row["greedy_share_of_engine"] = round(greedy["score"] / sparse["score"], 5)
        if dense:
            row["speedup_vs_dense"] = round(dense["seconds"] / sparse["seconds"], 1)
            row["assignment_speedup_vs_dense"] = round(dense["assignment_seconds"] / sparse["assignment_seconds"], 1)
        figures[f"participants_{size}"] = row
        print(f"matching engine, {size:,} participants: {json.dumps(row)}", flush=True)
    return figures


def table(figures: dict[str, dict]) -> str:
    lines = [
        "| participants | run s | peak MiB | pairs (optimum's) | score, share of optimum | greedy: pairs fewer, score vs engine | dense LSA s (peak MiB) | speed-up vs dense: run / assignment |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for key, row in figures.items():
        sparse, dense = row["sparse"], row.get("dense")
        share = _share(row["share_of_optimum"]) if dense else f">= {_share(row['share_of_optimum_at_least'])} (bound)"
        lines.append(
            f"| {int(key.split('_')[1]):,} | {sparse['seconds']:.2f} | {sparse['peak_mib']:.0f} "
            f"| {sparse['pairs']:,} ({format(dense['pairs'], ',') if dense else 'n/a'}) | {share} "
            f"| {row['greedy_pairs_short']}, {_share(row['greedy_share_of_engine'])} "
            + (
                f"| {dense['seconds']:.2f} ({dense['peak_mib']:.0f}) | {row['speedup_vs_dense']}x / {row['assignment_speedup_vs_dense']}x |"
                if dense
                else "| does not fit | |"
            )
        )
    return "\n".join(lines)


def _share(value: float | None) -> str:
    return f"{value:.2%}" if value is not None else "n/a"


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        print(json.dumps(measure(int(sys.argv[2]), sys.argv[3])))
    else:
        print(table(measure_all()))

"""Where a service's CPU time goes during a benchmark: py-spy samples its process from outside.

py-spy reads the interpreter's stacks without pausing it (`--nonblocking`) and leaves idle threads out, so
the samples are the time the service spends on the CPU. Each sample's innermost frame is put in a bucket
by the library it belongs to; those shares, the top frames (the innermost functions the samples were in) and
the busiest functions of Flipside's own code are the profile.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

RATE_PER_SECOND = 50
LIBRARIES = {  # top-level package of the innermost frame's file -> what it is; others keep their package's name
    "asyncpg": "asyncpg (PostgreSQL)",
    "aiokafka": "aiokafka (Kafka)",
    "kafka": "aiokafka (Kafka)",
    "pydantic": "pydantic",
    "pydantic_core": "pydantic",
    "faststream": "faststream",
    "structlog": "structlog (logging)",
    "logging": "structlog (logging)",
    "scipy": "scipy, numpy (assignment)",
    "numpy": "scipy, numpy (assignment)",
}


ROOTS = ("__main__.py", "entrypoint.py")  # on every stack: they say nothing


class Sampler:
    """py-spy recording one process until stopped."""

    def __init__(self, pid: int, output: Path) -> None:
        self.output = output
        spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        self._process = subprocess.Popen(
            [
                spy,
                "record",
                "--pid",
                str(pid),
                "--rate",
                str(RATE_PER_SECOND),
                "--nonblocking",
                "--format",
                "raw",
                "--output",
                str(output),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        """End the recording; py-spy writes its file on an interrupt."""
        self._process.send_signal(signal.SIGINT)
        self._process.wait(timeout=60)


def summarise(collapsed: Path, top: int = 8) -> dict:
    """Share of samples by the library of the innermost frame, and Flipside's functions by the share of
    samples they were on the stack for (their own time and what they called)."""
    libraries: Counter[str] = Counter()
    innermost: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        total += samples
        frames = stack.split(";")
        libraries[_library(frames[-1])] += samples
        innermost[_named(frames[-1])] += samples
        for frame in {f for f in frames if _file(f).startswith("flipside_") and not _file(f).endswith(ROOTS)}:
            ours[_named(frame)] += samples
    if not total:
        return {"samples": 0}
    return {
        "samples": total,
        "cpu_seconds": round(total / RATE_PER_SECOND, 1),
        "innermost_library": {name: round(count / total, 3) for name, count in libraries.most_common(top)},
        "top_frames": {name: round(count / total, 3) for name, count in innermost.most_common(top)},
        "flipside_functions_on_stack": {name: round(count / total, 3) for name, count in ours.most_common(top)},
    }


def _file(frame: str) -> str:
    """`function (package/module.py:line)` -> `package/module.py`."""
    return frame[frame.rfind("(") + 1 :].rpartition(":")[0]


def _named(frame: str) -> str:
    """`function (package/module.py:line)` -> `function (package/module.py)`: a function's lines counted together."""
    return f"{frame.split(' (')[0]} ({_file(frame)})"


def _library(frame: str) -> str:
    package = _file(frame).split("/")[0].removesuffix(".py")
    return LIBRARIES.get(package, package)


def table(profiles: dict[str, dict]) -> str:
    lines = ["| service | CPU s | where its CPU time went (library of the innermost frame) |", "| --- | ---: | --- |"]
    for service, found in profiles.items():
        where = ", ".join(f"{name} {share:.0%}" for name, share in list(found.get("innermost_library", {}).items())[:6])
        lines.append(f"| {service} | {found.get('cpu_seconds', 0):,.1f} | {where} |")
    return "\n".join(lines)


def top_frames_table(profiles: dict[str, dict], per_service: int = 3) -> str:
    """Each service's top frames: the functions its samples were in, with their share of its samples."""
    lines = ["| service | top frames (innermost function, share of the service's samples) |", "| --- | --- |"]
    for service, found in profiles.items():
        frames = list(found.get("top_frames", {}).items())[:per_service]
        lines.append(f"| {service} | {', '.join(f'`{name}` {share:.0%}' for name, share in frames)} |")
    return "\n".join(lines)

"""How much memory a service process has needed: its peak resident set, as Linux keeps it (`VmHWM`)."""

from __future__ import annotations

from pathlib import Path

from flipside_devstack.service_process import ServiceProcess


def peak_rss_mib(pid: int) -> float:
    """The highest resident set size process `pid` has had since it started, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # in kB
    raise ValueError(f"process {pid} reports no VmHWM")


def peak_rss_of(service: ServiceProcess) -> float:
    """`service`'s peak so far; read it before the process is stopped."""
    if service.pid is None:
        raise ValueError(f"{service.name} was never started")
    return peak_rss_mib(service.pid)

"""A description of the machine a run measured on: CPU, cores, memory, OS, Python, tool versions."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.tools import Context, Tool

__all__ = ["describe"]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _first_line(argv: Sequence[str]) -> str | None:
    try:
        out = subprocess.run(list(argv), capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = (out.stdout or out.stderr).strip().splitlines()
    return lines[0].strip() if lines else None


def _disk(path: Path) -> str | None:
    out = _first_line(["sh", "-c", f"df -hT {path} | tail -1"])
    return " ".join(out.split()) if out else None


def describe(ctx: Context, tools: Sequence[Tool], workdir: Path) -> dict[str, Any]:
    """The machine and the versions of ``tools`` (those that can run here)."""
    versions: dict[str, str] = {}
    for tool in tools:
        key = f"{tool.name} ({tool.api})" if tool.is_ceiling else tool.name
        if key in versions or tool.missing(ctx) is not None:
            continue
        versions[key] = tool.version(ctx)
    node = _first_line(["node", "--version"])
    if node:
        versions["node"] = node
    try:
        import moto

        versions["moto"] = moto.__version__
    except ImportError:
        pass
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "python_executable": sys.executable,
        "loadavg_at_start": _loadavg(),
        "disk": _disk(workdir),
        "versions": versions,
    }

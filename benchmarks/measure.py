"""Measuring one tool's process: wall time, CPU (children included), peak RSS, what limited it.

A measured tool runs as a child process started by :func:`run_measured`; its CPU time and peak
RSS come from ``os.wait4`` (on Linux the figures of the child and of every descendant it waited
for: a tool that forks workers, like mt-aws-glacier, or a shell loop over ``aws``, is counted
whole). A sampler thread reads ``/proc`` every 50 ms for what ``wait4`` cannot tell: the CPU
time of the child's main thread (an asyncio client's event loop: near one core means the client
is bound by its loop and the GIL), each process's peak resident set (VmHWM: ``ru_maxrss`` would
include the harness's own RSS at fork) and the sum of the resident sets of the whole tree.
Servers run in processes of their own, so their CPU is read from ``/proc/PID/stat`` before and
after, apart from the client's; ``/proc/stat`` gives the machine's iowait and busy time over the
same interval.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "CpuTimes",
    "Measurement",
    "SystemTimes",
    "ToolFailed",
    "process_cpu",
    "run_measured",
    "system_times",
    "thread_cpu",
]

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class ToolFailed(RuntimeError):
    """A measured tool exited with a non-zero status (message: the status and its stderr tail)."""


@dataclass(frozen=True)
class CpuTimes:
    """User and system seconds of a process (its waited-for children included) or a thread."""

    user: float
    system: float

    @property
    def total(self) -> float:
        """User plus system seconds."""
        return self.user + self.system

    def __sub__(self, other: CpuTimes) -> CpuTimes:
        return CpuTimes(self.user - other.user, self.system - other.system)


@dataclass(frozen=True)
class SystemTimes:
    """The machine's CPU time by state, summed over every core (seconds), from /proc/stat."""

    busy: float
    idle: float
    iowait: float

    @property
    def total(self) -> float:
        """All the CPU time of the interval."""
        return self.busy + self.idle + self.iowait

    def __sub__(self, other: SystemTimes) -> SystemTimes:
        return SystemTimes(
            self.busy - other.busy, self.idle - other.idle, self.iowait - other.iowait
        )


def _stat_fields(path: str) -> list[str] | None:
    try:
        text = Path(path).read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    return text[text.rindex(")") + 2 :].split()


def process_cpu(pid: int) -> CpuTimes:
    """CPU time of process ``pid`` so far, its waited-for children included (zero if gone)."""
    fields = _stat_fields(f"/proc/{pid}/stat")
    if fields is None:
        return CpuTimes(0.0, 0.0)
    # After the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
    user = int(fields[11]) + int(fields[13])
    system = int(fields[12]) + int(fields[14])
    return CpuTimes(user / _TICK, system / _TICK)


def thread_cpu(pid: int, tid: int | None = None) -> CpuTimes | None:
    """CPU time of thread ``tid`` (default: the main thread) of ``pid``, or None if gone."""
    fields = _stat_fields(f"/proc/{pid}/task/{tid or pid}/stat")
    if fields is None:
        return None
    return CpuTimes(int(fields[11]) / _TICK, int(fields[12]) / _TICK)


def system_times() -> SystemTimes:
    """The machine's cumulative CPU times (all cores) from /proc/stat; zeros where absent."""
    try:
        first = Path("/proc/stat").read_text().splitlines()[0].split()
    except (OSError, IndexError):
        return SystemTimes(0.0, 0.0, 0.0)
    # cpu user nice system idle iowait irq softirq steal guest guest_nice
    values = [int(v) for v in first[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = values
    busy = user + nice + system + irq + softirq + steal
    return SystemTimes(busy / _TICK, idle / _TICK, iowait / _TICK)


def _descendants(root: int) -> set[int]:
    """``root`` and every process below it (one scan of /proc)."""
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(f"/proc/{entry.name}/stat")
        if fields is None:
            continue
        tree.setdefault(int(fields[1]), []).append(int(entry.name))
    found: set[int] = set()
    stack = [root]
    while stack:
        pid = stack.pop()
        if pid not in found:
            found.add(pid)
            stack.extend(tree.get(pid, ()))
    return found


def _memory(pid: int) -> tuple[int, int] | None:
    """(VmRSS, VmHWM) of ``pid`` in bytes, or None when it is gone or has no memory."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    rss = hwm = None
    for line in text.splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1]) * 1024
        elif line.startswith("VmHWM:"):
            hwm = int(line.split()[1]) * 1024
    if rss is None or hwm is None:
        return None
    return rss, hwm


class _Sampler(threading.Thread):
    """Every ``interval`` seconds: the main-thread CPU of ``pid``, the sum of the resident sets
    of its process tree, and each process's own peak (VmHWM).

    VmHWM, not ``ru_maxrss``: on Linux a child's ``ru_maxrss`` starts from the RSS of the
    parent it was forked from (the benchmark's own interpreter), so a small tool would read
    as large as the harness. VmHWM belongs to the address space ``exec`` created. The tree is
    rescanned every ``rescan`` seconds; in between only the processes already known are read.
    """

    def __init__(self, pid: int, interval: float = 0.05, rescan: float = 0.3) -> None:
        super().__init__(daemon=True, name=f"sampler-{pid}")
        self.pid = pid
        self.interval = interval
        self.rescan = rescan
        self.stop_event = threading.Event()
        self.tree_rss_peak = 0
        self.process_peak = 0
        self.loop_cpu: CpuTimes | None = None
        self.loop_seconds = 0.0
        self._t0 = time.perf_counter()

    def run(self) -> None:
        known: set[int] = {self.pid}
        last_scan = -1.0
        while not self.stop_event.is_set():
            now = time.perf_counter()
            cpu = thread_cpu(self.pid)
            if cpu is not None:
                self.loop_cpu = cpu
                self.loop_seconds = now - self._t0
            if now - last_scan >= self.rescan:
                known = _descendants(self.pid) | {self.pid}
                last_scan = now
            total = 0
            for pid in list(known):
                memory = _memory(pid)
                if memory is None:
                    known.discard(pid)
                    continue
                total += memory[0]
                self.process_peak = max(self.process_peak, memory[1])
            self.tree_rss_peak = max(self.tree_rss_peak, total)
            self.stop_event.wait(self.interval)


@dataclass(frozen=True)
class Measurement:
    """What one run of one tool took."""

    wall: float
    """Seconds from the start of the process to its exit."""
    cpu_user: float
    cpu_system: float
    """The client's CPU seconds, every descendant it waited for included."""
    maxrss: int
    """Peak resident set (bytes) of the largest single process of the client's tree (the
    highest VmHWM sampled)."""
    ru_maxrss: int
    """``ru_maxrss`` from ``wait4`` (bytes): on Linux at least the harness's own RSS at fork."""
    tree_rss: int
    """Peak of the sum of the resident sets of the client's process tree (sampled, bytes)."""
    loop_cpu: float | None
    """CPU seconds of the client's main thread, sampled (None: no sample was taken)."""
    loop_seconds: float
    """Seconds of the run the ``loop_cpu`` sample covers."""
    server_cpu: float
    """CPU seconds of the server process(es) over the run."""
    server_loop_cpu: float | None
    """CPU seconds of the server's main thread (its event loop) over the run."""
    machine: dict[str, float]
    """The machine's busy, idle and iowait CPU seconds (all cores) over the run."""
    files: int
    bytes: int
    inner: dict[str, float] | None = None
    """Figures a client reported about its own timed phase (the ceiling's), if any."""
    retries: int = 0
    """Retries the client reported (aioglacier's ``retrying ...`` lines): a run that waited out
    backoffs is limited by them, whatever its CPU figures say."""

    @property
    def cpu(self) -> float:
        """User plus system seconds of the client."""
        return self.cpu_user + self.cpu_system

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


def run_measured(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    stdin: bytes | None = None,
    server_pids: Sequence[int] = (),
    files: int = 0,
    nbytes: int = 0,
    timeout: float | None = None,
) -> tuple[Measurement, str]:
    """Run ``argv`` to its end and measure it; return the measurement and its stdout.

    Raise :class:`ToolFailed` when it exits non-zero or outlives ``timeout`` seconds.
    """
    servers0 = [(process_cpu(p), thread_cpu(p)) for p in server_pids]
    sys0 = system_times()
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        list(argv),
        env=dict(env) if env is not None else None,
        cwd=cwd,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    sampler = _Sampler(proc.pid)
    sampler.start()
    out_chunks: list[bytes] = []
    err_chunks: list[bytes] = []

    def drain(stream: Any, into: list[bytes]) -> None:
        for chunk in iter(lambda: stream.read(65536), b""):
            into.append(chunk)

    readers = [
        threading.Thread(target=drain, args=(proc.stdout, out_chunks), daemon=True),
        threading.Thread(target=drain, args=(proc.stderr, err_chunks), daemon=True),
    ]
    for reader in readers:
        reader.start()
    if stdin is not None:
        assert proc.stdin is not None
        try:
            proc.stdin.write(stdin)
            proc.stdin.close()
        except BrokenPipeError:
            pass
    killer: threading.Timer | None = None
    if timeout is not None:
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
    # os.wait4, not Popen.wait: it returns the rusage of the child and its waited descendants.
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if killer is not None:
        killer.cancel()
    sys1 = system_times()
    servers1 = [(process_cpu(p), thread_cpu(p)) for p in server_pids]
    sampler.stop_event.set()
    sampler.join()
    for reader in readers:
        reader.join()
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()
    stdout = b"".join(out_chunks).decode(errors="replace")
    stderr = b"".join(err_chunks).decode(errors="replace")
    if proc.returncode != 0:
        tail = " | ".join(stderr.strip().splitlines()[-5:]) or stdout.strip()[-500:]
        why = "timed out" if proc.returncode == -9 and timeout is not None else "failed"
        raise ToolFailed(f"{why} (exit {proc.returncode}): {tail}")
    server_cpu = sum((b[0] - a[0]).total for a, b in zip(servers0, servers1, strict=True))
    loops = [
        (b[1] - a[1]).total
        for a, b in zip(servers0, servers1, strict=True)
        if a[1] is not None and b[1] is not None
    ]
    machine = sys1 - sys0
    measurement = Measurement(
        wall=wall,
        cpu_user=usage.ru_utime,
        cpu_system=usage.ru_stime,
        maxrss=sampler.process_peak,
        ru_maxrss=usage.ru_maxrss * 1024,
        tree_rss=max(sampler.tree_rss_peak, sampler.process_peak),
        loop_cpu=sampler.loop_cpu.total if sampler.loop_cpu is not None else None,
        loop_seconds=sampler.loop_seconds,
        server_cpu=server_cpu,
        server_loop_cpu=max(loops) if loops else None,
        machine={"busy": machine.busy, "idle": machine.idle, "iowait": machine.iowait},
        files=files,
        bytes=nbytes,
        retries=count_retries(stdout) + count_retries(stderr),
    )
    return measurement, stdout


def count_retries(output: str) -> int:
    """The retries a tool's output reports (aioglacier's ``retrying OPERATION...`` lines)."""
    return sum(1 for line in output.splitlines() if line.startswith("retrying "))

"""Running the plan: every tool on the same data against the same kind of fresh server, runs
alternating between tools, and aioglacier's concurrency sweep.

Order: for each API, server, network and workload (a *group*), ``runs`` rounds; each round runs
every tool once, the order rotated by one from the round before (no tool always goes first or
last after another's page-cache or disk work). By default every measured run gets a new server
process with an empty data directory (no tool inherits another's database or files); the
vault or bucket is created before the clock starts.
"""

from __future__ import annotations

import json
import math
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.measure import Measurement, ToolFailed, run_measured
from benchmarks.servers import (
    EmulatorServer,
    MotoServer,
    S3rverServer,
    Server,
    ServerUnavailable,
    create_bucket,
    create_vault,
    stored,
)
from benchmarks.tools import Context, Target, Tool, tools_for
from benchmarks.workloads import MIB, Workload, materialize

__all__ = ["Network", "Plan", "Row", "run_plan"]

#: Generous per-run limit: a tool that hangs must not hang the benchmark.
RUN_TIMEOUT = 3600.0


@dataclass(frozen=True)
class Network:
    """Loopback (delay 0) or a simulated WAN: every request answered after ``delay_ms``."""

    name: str
    delay_ms: int

    @property
    def label(self) -> str:
        """How tables and charts name it."""
        return "loopback" if not self.delay_ms else f"WAN {self.delay_ms} ms"

    @classmethod
    def parse(cls, text: str) -> Network:
        """``loopback``, ``wan150`` or ``wan:150``."""
        text = text.strip().lower()
        if text in ("loopback", "lo", "wan0"):
            return cls("loopback", 0)
        digits = text.removeprefix("wan").lstrip(":").removesuffix("ms")
        if not text.startswith("wan") or not digits.isdigit():
            raise ValueError(f"unknown network {text!r} (loopback, wan50, wan150, ...)")
        return cls(f"wan{int(digits)}", int(digits))


@dataclass
class Plan:
    """What one ``python -m benchmarks`` run measures."""

    workdir: Path
    ctx: Context
    workloads: dict[str, Workload]
    networks: list[Network]
    apis: list[str]
    s3_servers: list[str]
    tools: list[str] | None
    modes: list[str]
    runs: int
    equal_concurrency: int
    best_concurrency: dict[str, dict[str, int]]
    scaling_concurrency: list[int]
    scaling_networks: list[Network]
    scaling_workloads: list[str]
    scaling_seconds: float
    """A WAN scaling point expected to take longer is run on a prefix of the small set."""
    partsize: int
    verify_hashes: bool = False
    server_per_run: bool = True
    quick: bool = False
    log: Callable[[str], None] = print


@dataclass
class Row:
    """One tool in one group (or one point of the sweep): its runs and how they went."""

    suite: str
    api: str
    server: str
    network: str
    network_label: str
    delay_ms: int
    workload: str
    workload_label: str
    mode: str
    tool: str
    label: str
    concurrency: int
    is_ours: bool = False
    is_ceiling: bool = False
    status: str = "ok"
    reason: str = ""
    sample: int | None = None
    runs: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


def _server_labels() -> dict[str, str]:
    return {
        EmulatorServer.kind: EmulatorServer.label,
        S3rverServer.kind: S3rverServer.label,
        MotoServer.kind: MotoServer.label,
    }


class _Servers:
    """Starts servers of one kind for one network, fresh per run or one for the group."""

    def __init__(self, plan: Plan, kind: str, network: Network) -> None:
        self.plan = plan
        self.kind = kind
        self.network = network
        self.shared: Server | None = None
        self.count = 0

    def _start(self) -> Server:
        self.count += 1
        data = self.plan.workdir / "servers" / f"{self.kind}-{self.network.name}-{self.count}"
        shutil.rmtree(data, ignore_errors=True)
        if self.kind == EmulatorServer.kind:
            return EmulatorServer.start(data, self.network.delay_ms, self.plan.verify_hashes)
        if self.network.delay_ms:
            raise ServerUnavailable(f"{self.kind} cannot simulate a WAN delay")
        if self.kind == S3rverServer.kind:
            return S3rverServer.start(data, self.plan.ctx.cache)
        if self.kind == MotoServer.kind:
            return MotoServer.start(data)
        raise ServerUnavailable(f"unknown server {self.kind!r}")

    def get(self) -> Server:
        if not self.plan.server_per_run:
            if self.shared is None:
                self.shared = self._start()
            return self.shared
        return self._start()

    def release(self, server: Server) -> None:
        if self.plan.server_per_run:
            server.stop()

    def close(self) -> None:
        if self.shared is not None:
            self.shared.stop()
            self.shared = None


def _rotated(items: list[Tool], by: int) -> list[Tool]:
    if not items:
        return items
    k = by % len(items)
    return items[k:] + items[:k]


def _target(server: Server, api: str, name: str) -> Target:
    if api == "vault":
        create_vault(server.url, server.credentials, name)
        return Target("vault", server.url, name, server.credentials)
    create_bucket(server.url, server.credentials, name)
    return Target("s3", server.url, name, server.credentials, prefix="bench/")


def _measure_once(
    plan: Plan,
    tool: Tool,
    server: Server,
    api: str,
    src: Path,
    workload: Workload,
    concurrency: int,
    run_id: str,
    max_files: int | None = None,
) -> tuple[Measurement, int | None]:
    work = plan.workdir / "runs" / run_id
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    name = "".join(c if c.isalnum() else "-" for c in run_id.lower())[:60].strip("-")
    target = _target(server, api, name)
    inv = tool.invocation(plan.ctx, target, src, work, concurrency, plan.partsize)
    argv = list(inv.argv)
    sample: int | None = None
    files, nbytes = workload.files, workload.total
    if inv.files is not None:
        sizes = dict(zip(workload.relpaths(), workload.sizes, strict=True))
        sample = len(inv.files)
        files, nbytes = sample, sum(sizes[r] for r in inv.files)
    elif max_files is not None and max_files < workload.files:
        argv += ["--max-number-of-files", str(max_files)]
        sample = files = max_files
        nbytes = -1  # whichever files the tool picked: taken from the server below
    measurement, stdout = run_measured(
        argv,
        env=inv.env,
        cwd=inv.cwd,
        stdin=inv.stdin,
        server_pids=[server.pid],
        files=files,
        nbytes=max(nbytes, 0),
        timeout=RUN_TIMEOUT,
    )
    # Trust nothing a tool says: count what the server holds.
    count, size = stored(server.url, server.credentials, api, target.name, target.prefix)
    if count != files or (nbytes >= 0 and size != nbytes):
        raise ToolFailed(
            f"the server holds {count} files, {size} bytes after the run; expected {files} files"
            + (f", {nbytes} bytes" if nbytes >= 0 else "")
        )
    if nbytes < 0:
        measurement = Measurement(**{**asdict(measurement), "bytes": size})
    if inv.reports_inner:
        inner = json.loads(stdout.strip().splitlines()[-1])
        measurement = Measurement(**{**asdict(measurement), "inner": inner})
    shutil.rmtree(work, ignore_errors=True)
    return measurement, sample


def _groups(plan: Plan) -> Iterator[tuple[str, str, Network]]:
    for api in plan.apis:
        servers = [EmulatorServer.kind] if api == "vault" else plan.s3_servers
        for kind in servers:
            for network in plan.networks:
                yield api, kind, network


def _row(
    suite: str,
    api: str,
    server: str,
    network: Network,
    workload: Workload,
    mode: str,
    tool: Tool,
    concurrency: int = 0,
    status: str = "ok",
    reason: str = "",
) -> Row:
    return Row(
        suite=suite,
        api=api,
        server=server,
        network=network.name,
        network_label=network.label,
        delay_ms=network.delay_ms,
        workload=workload.name,
        workload_label=workload.description,
        mode=mode,
        tool=tool.name,
        label=tool.label,
        concurrency=concurrency,
        is_ours=tool.is_ours,
        is_ceiling=tool.is_ceiling,
        status=status,
        reason=reason,
    )


def _why_not(plan: Plan, tool: Tool) -> str | None:
    # --quick first: whatever such a peer lacks on this machine (its tarball, its Perl modules),
    # --quick would not install it anyway.
    if plan.quick and tool.needs_install:
        return "skipped in --quick (it is not part of this project's Python environment)"
    return tool.missing(plan.ctx)


def _concurrency(plan: Plan, api: str, mode: str, tool: Tool) -> int:
    if mode == "equal":
        wanted = plan.equal_concurrency
    else:
        wanted = plan.best_concurrency.get(api, {}).get(tool.name, plan.equal_concurrency)
    if tool.name == "aws-glacier":
        return min(wanted, plan.ctx.per_file_jobs)
    return tool.effective_concurrency(wanted)


def _run_rows(
    plan: Plan,
    servers: _Servers,
    api: str,
    src: Path,
    workload: Workload,
    entries: list[tuple[Tool, Row, int | None]],
) -> None:
    """``plan.runs`` rounds over ``entries`` (tool, row, file limit), rotated each round."""
    for rnd in range(plan.runs):
        k = rnd % len(entries) if entries else 0
        for tool, row, max_files in entries[k:] + entries[:k]:
            if row.status != "ok":
                continue
            run_id = (
                f"{row.suite}-{api}-{row.server}-{row.network}-{workload.name}-{row.mode}-"
                f"{tool.name}-c{row.concurrency}-{rnd}"
            )
            try:
                server = servers.get()
            except ServerUnavailable as exc:
                row.status, row.reason = "failed", str(exc)
                continue
            try:
                m, sample = _measure_once(
                    plan, tool, server, api, src, workload, row.concurrency, run_id, max_files
                )
            except (ToolFailed, RuntimeError, ServerUnavailable) as exc:
                row.status, row.reason = "failed", str(exc)[-600:]
                plan.log(f"  {tool.label} c={row.concurrency}: FAILED {row.reason}")
                continue
            finally:
                servers.release(server)
            row.sample = sample
            row.runs.append(m.to_json())
            plan.log(
                f"  {workload.name} {row.mode} {tool.label} c={row.concurrency} "
                f"run {rnd + 1}: {_brief(m)}"
            )


def run_compare(plan: Plan) -> list[Row]:
    """Every tool, side by side, in every group."""
    rows: list[Row] = []
    labels = _server_labels()
    for api, kind, network in _groups(plan):
        plan.log(f"== {api} on {labels.get(kind, kind)}, {network.label}")
        tools = tools_for(api, plan.tools)
        servers = _Servers(plan, kind, network)
        why: str | None = None
        try:
            probe = servers.get()
        except ServerUnavailable as exc:
            why = str(exc)
        else:
            if api == "s3" and isinstance(probe, EmulatorServer) and not probe.serves_s3():
                why = "the emulator does not serve S3 yet"
            servers.release(probe)
        if why is not None:
            servers.close()
            plan.log(f"  skip: {why}")
            rows += [
                _row("compare", api, kind, network, wl, mode, t, status="skipped", reason=why)
                for wl in plan.workloads.values()
                for mode in plan.modes
                for t in tools
            ]
            continue
        first = next(iter(plan.workloads.values()), None)
        try:
            for wl in plan.workloads.values():
                src = materialize(wl, plan.workdir / "data")
                for mode in plan.modes:
                    entries: list[tuple[Tool, Row, int | None]] = []
                    for tool in tools:
                        reason = _why_not(plan, tool)
                        if reason is not None:
                            if wl is first and mode == plan.modes[0]:
                                plan.log(f"  skip {tool.label}: {reason}")
                            rows.append(
                                _row(
                                    "compare",
                                    api,
                                    kind,
                                    network,
                                    wl,
                                    mode,
                                    tool,
                                    status="skipped",
                                    reason=reason,
                                )
                            )
                            continue
                        c = _concurrency(plan, api, mode, tool)
                        row = _row("compare", api, kind, network, wl, mode, tool, c)
                        rows.append(row)
                        entries.append((tool, row, None))
                    _run_rows(plan, servers, api, src, wl, entries)
        finally:
            servers.close()
    return rows


def _brief(m: Measurement) -> str:
    seconds = m.inner["seconds"] if m.inner else m.wall
    cpu = m.inner["cpu"] if m.inner else m.cpu
    return (
        f"{m.files / seconds:.0f} files/s, {m.bytes / MIB / seconds:.1f} MiB/s, "
        f"{1000 * cpu / max(m.files, 1):.2f} ms CPU/file, {m.maxrss / MIB:.0f} MiB RSS"
    )


def scaling_files(plan: Plan, workload: Workload, network: Network, concurrency: int) -> int | None:
    """How many files of ``workload`` a sweep point syncs (None: all): on a WAN, a point whose
    latency bound (files x delay / concurrency) exceeds ``scaling_seconds`` gets a prefix."""
    if not network.delay_ms or workload.files <= 1:
        return None
    expected = workload.files * network.delay_ms / 1000 / concurrency
    if expected <= plan.scaling_seconds:
        return None
    n = max(
        min(200, workload.files),
        math.ceil(plan.scaling_seconds * concurrency * 1000 / network.delay_ms),
    )
    return min(n, workload.files)


def run_scaling(plan: Plan) -> list[Row]:
    """aioglacier's vault sync at each concurrency, on each sweep network and workload."""
    rows: list[Row] = []
    if "vault" not in plan.apis or not plan.scaling_concurrency:
        return rows
    tool = tools_for("vault", ["aioglacier"])[0]
    for network in plan.scaling_networks:
        plan.log(f"== scaling: aioglacier --concurrency on {network.label}")
        servers = _Servers(plan, EmulatorServer.kind, network)
        try:
            for name in plan.scaling_workloads:
                wl = plan.workloads[name]
                src = materialize(wl, plan.workdir / "data")
                entries: list[tuple[Tool, Row, int | None]] = []
                for c in plan.scaling_concurrency:
                    row = _row(
                        "scaling", "vault", EmulatorServer.kind, network, wl, "sweep", tool, c
                    )
                    rows.append(row)
                    entries.append((tool, row, scaling_files(plan, wl, network, c)))
                _run_rows(plan, servers, "vault", src, wl, entries)
        finally:
            servers.close()
    return rows


def run_plan(plan: Plan) -> tuple[list[Row], float]:
    """Run the comparison and the sweep; return the rows and the seconds it all took."""
    t0 = time.perf_counter()
    rows = run_compare(plan) + run_scaling(plan)
    return rows, time.perf_counter() - t0

"""Figures from the runs: medians with min and max, ratios, what limited each run; markdown."""

from __future__ import annotations

import math
import os
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Stat", "figures", "latency_bound", "limit_of", "markdown", "row_limit", "summarize"]

MIB = 1024 * 1024
GIB = 1024 * MIB

#: A thread or process this busy (share of one core) is what limits the run.
SATURATED = 0.85
#: This share of the machine's CPU time in iowait makes the disk the limit.
IOWAIT_BOUND = 0.25
#: Reaching this share of concurrency / delay makes latency the limit on a WAN.
LATENCY_BOUND = 0.7


@dataclass(frozen=True)
class Stat:
    """Median, min and max of one figure over the runs."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Iterable[float | None]) -> Stat | None:
        """The statistic of the values that are not None (None when there are none)."""
        got = [v for v in values if v is not None and not math.isnan(v)]
        if not got:
            return None
        return cls(statistics.median(got), min(got), max(got))

    def to_json(self) -> dict[str, float]:
        """``{"median", "min", "max"}``."""
        return {"median": self.median, "min": self.low, "max": self.high}


def figures(run: dict[str, Any]) -> dict[str, float | None]:
    """One run's figures (rates, CPU per file and per GiB, RSS, utilisations)."""
    inner = run.get("inner")
    seconds = inner["seconds"] if inner else run["wall"]
    cpu = inner["cpu"] if inner else run["cpu_user"] + run["cpu_system"]
    files, nbytes = run["files"], run["bytes"]
    machine = run["machine"]
    machine_total = machine["busy"] + machine["idle"] + machine["iowait"]
    loop = run.get("loop_cpu")
    loop_seconds = run.get("loop_seconds") or 0.0
    return {
        "seconds": seconds,
        "files_s": files / seconds if seconds > 0 else None,
        "mib_s": nbytes / MIB / seconds if seconds > 0 else None,
        "cpu_s": cpu,
        "cpu_ms_file": 1000 * cpu / files if files else None,
        "cpu_s_gib": cpu / (nbytes / GIB) if nbytes else None,
        "rss_mib": run["maxrss"] / MIB,
        "tree_rss_mib": run["tree_rss"] / MIB,
        "client_cores": cpu / seconds if seconds > 0 else None,
        "loop_util": loop / loop_seconds if loop is not None and loop_seconds >= 0.3 else None,
        "server_cpu_s": run["server_cpu"],
        "server_cores": run["server_cpu"] / run["wall"] if run["wall"] > 0 else None,
        "server_loop_util": (
            run["server_loop_cpu"] / run["wall"]
            if run.get("server_loop_cpu") is not None and run["wall"] > 0
            else None
        ),
        "iowait_share": machine["iowait"] / machine_total if machine_total > 0 else None,
        "machine_busy": machine["busy"] / machine_total if machine_total > 0 else None,
        "retries": float(run.get("retries", 0)),
    }


def summarize(row: dict[str, Any]) -> dict[str, Stat]:
    """Median/min/max of every figure of a row's runs."""
    per_run = [figures(r) for r in row["runs"]]
    out: dict[str, Stat] = {}
    for key in per_run[0] if per_run else ():
        stat = Stat.of(f[key] for f in per_run)
        if stat is not None:
            out[key] = stat
    return out


def latency_bound(row: dict[str, Any], partsize: int) -> float | None:
    """The files/s a run could reach at most on its WAN if only latency limited it: every
    request takes ``delay``, ``concurrency`` of them in flight (None on loopback).

    Requests per file: one for a file up to the part size (three for mt-aws-glacier, which
    uploads every file as a multipart upload); for a larger file, its parts plus the initiate
    and complete requests; a single file cannot keep more requests in flight than it has parts.
    """
    if not row["delay_ms"] or not row["runs"]:
        return None
    run = row["runs"][0]
    files = max(run["files"], 1)
    parts = max(1, math.ceil(run["bytes"] / files / partsize))
    single = 3.0 if row["tool"] == "mtglacier" else 1.0
    requests = single if parts == 1 else parts + 2.0
    in_flight: int = min(row["concurrency"], files * parts)
    delay: int = row["delay_ms"]
    return in_flight * 1000 / delay / requests


def limit_of(
    stats: dict[str, Stat],
    bound: float | None = None,
    cores: int | None = None,
) -> str:
    """What limited a run, from what was measured (medians), in a few words.

    In order: retries (the client reported some: its backoff waits, which no CPU or latency
    figure shows), the disk (iowait share of the machine's CPU time), the client's main thread
    (an event loop near one core: bound by its loop and the GIL), the client's CPU over all
    cores, the server's main thread, the server's CPU, the machine's CPU as a whole (client
    and server share it), the latency on a WAN (files/s near ``bound``, see
    :func:`latency_bound`); else latency and concurrency, nothing saturated.
    """
    cores = cores or os.cpu_count() or 1

    def med(key: str) -> float | None:
        stat = stats.get(key)
        return stat.median if stat is not None else None

    iowait, loop, client = med("iowait_share"), med("loop_util"), med("client_cores")
    server, server_loop, busy = med("server_cores"), med("server_loop_util"), med("machine_busy")
    files_s, retries = med("files_s"), med("retries")
    if retries:
        return f"retries ({retries:g} per run: backoff waits)"
    if iowait is not None and iowait >= IOWAIT_BOUND:
        return f"disk (iowait {iowait:.0%} of CPU time)"
    if loop is not None and loop >= SATURATED:
        return f"client event loop/GIL ({loop:.0%} of a core)"
    if client is not None and client >= SATURATED * cores:
        return f"client CPU ({client:.1f} of {cores} cores)"
    if server_loop is not None and server_loop >= SATURATED:
        return f"server event loop ({server_loop:.0%} of a core)"
    if server is not None and server >= SATURATED * cores:
        return f"server CPU ({server:.1f} of {cores} cores)"
    if busy is not None and busy >= 0.9:
        return (
            f"machine CPU (client {client or 0:.1f} + server {server or 0:.1f} "
            f"of {cores} cores busy)"
        )
    if bound and files_s is not None:
        if files_s >= LATENCY_BOUND * bound:
            return f"latency x concurrency ({files_s / bound:.0%} of the latency bound)"
        return f"latency/concurrency (none saturated; {files_s / bound:.0%} of the latency bound)"
    return "none saturated (latency/concurrency)"


def row_limit(row: dict[str, Any], stats: dict[str, Stat], partsize: int, cores: int) -> str:
    """:func:`limit_of` for a row of a result."""
    return limit_of(stats, latency_bound(row, partsize), cores)


# ----------------------------------------------------------------------------- formatting


def _fmt(stat: Stat | None, digits: int = 0, scale: float = 1.0) -> str:
    if stat is None:
        return "-"
    med, low, high = stat.median * scale, stat.low * scale, stat.high * scale
    if low == high:
        return f"{med:.{digits}f}"
    return f"{med:.{digits}f} ({low:.{digits}f}–{high:.{digits}f})"


def _digits(value: float | None) -> int:
    if value is None or value == 0:
        return 0
    if abs(value) >= 100:
        return 0
    if abs(value) >= 10:
        return 1
    if abs(value) >= 1:
        return 2
    return 3


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines


def _ratio(ours: Stat | None, other: Stat | None) -> str:
    if ours is None or other is None or other.median <= 0:
        return "-"
    return f"{ours.median / other.median:.2f}x"


def _comparison(rows: list[dict[str, Any]], partsize: int, cores: int) -> list[str]:
    out: list[str] = []
    groups: dict[tuple[str, str, str, str, str], list[dict[str, Any]]] = {}
    for row in rows:
        key = (row["api"], row["server"], row["network_label"], row["workload"], row["mode"])
        groups.setdefault(key, []).append(row)
    heading = None
    for (api, server, network, workload, mode), members in groups.items():
        title = f"### {'Vault API' if api == 'vault' else 'S3'} on {server}, {network}"
        if title != heading:
            out += ["", title]
            heading = title
        label = members[0]["workload_label"]
        conc = "equal concurrency" if mode == "equal" else "each tool at its best concurrency"
        out += ["", f"**{workload}: {label}**, {conc}", ""]
        stats = {r["tool"]: summarize(r) for r in members if r["status"] == "ok" and r["runs"]}
        ours = stats.get("aioglacier", {})
        ceiling = stats.get("ceiling", {})
        table = []
        for row in members:
            s = stats.get(row["tool"])
            if s is None:
                why = row["reason"] or "no run"
                table.append([row["label"], "-", f"{row['status']}: {why}"] + ["-"] * 10)
                continue
            name = row["label"]
            if row.get("sample"):
                name += f" ({row['sample']} files)"
            files_s = s.get("files_s")
            mib_s = s.get("mib_s")
            cpu_f = s.get("cpu_ms_file")
            cpu_g = s.get("cpu_s_gib")
            table.append(
                [
                    name,
                    str(row["concurrency"]),
                    _fmt(files_s, _digits(files_s.median if files_s else None)),
                    _fmt(mib_s, _digits(mib_s.median if mib_s else None)),
                    _fmt(cpu_f, _digits(cpu_f.median if cpu_f else None)),
                    _fmt(cpu_g, _digits(cpu_g.median if cpu_g else None)),
                    _fmt(s.get("rss_mib")),
                    _fmt(s.get("tree_rss_mib")),
                    _fmt(s.get("server_cpu_s"), 1),
                    "-" if row["tool"] == "aioglacier" else _ratio(ours.get("files_s"), files_s),
                    "-" if row["is_ceiling"] else _pct(files_s, ceiling.get("files_s")),
                    row_limit(row, s, partsize, cores),
                    str(len(row["runs"])),
                ]
            )
        out += _table(
            [
                "tool",
                "c",
                "files/s",
                "MiB/s",
                "CPU ms/file",
                "CPU s/GiB",
                "peak RSS MiB",
                "tree RSS MiB",
                "server CPU s",
                "aioglacier ÷ tool",
                "of ceiling",
                "limited by",
                "runs",
            ],
            table,
        )
    return out


def _pct(value: Stat | None, ceiling: Stat | None) -> str:
    if value is None or ceiling is None or ceiling.median <= 0:
        return "-"
    return f"{value.median / ceiling.median:.0%}"


def _scaling(rows: list[dict[str, Any]], partsize: int, cores: int) -> list[str]:
    out: list[str] = []
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["workload"], row["workload_label"]), []).append(row)
    for (workload, label), members in groups.items():
        out += ["", f"### aioglacier sync, {workload}: {label}", ""]
        table = []
        for row in members:
            s = summarize(row) if row["status"] == "ok" and row["runs"] else None
            if s is None:
                table.append(
                    [
                        row["network_label"],
                        str(row["concurrency"]),
                        f"{row['status']}: {row['reason']}",
                    ]
                    + ["-"] * 9
                )
                continue
            files = str(row["sample"]) if row.get("sample") else "all"
            limit = latency_bound(row, partsize)
            bound = "-" if limit is None else f"{limit:.{_digits(limit)}f}"
            files_s = s.get("files_s")
            mib_s = s.get("mib_s")
            table.append(
                [
                    row["network_label"],
                    str(row["concurrency"]),
                    files,
                    _fmt(files_s, _digits(files_s.median if files_s else None)),
                    _fmt(mib_s, _digits(mib_s.median if mib_s else None)),
                    bound,
                    _fmt(s.get("client_cores"), 2),
                    _fmt(s.get("loop_util"), 2),
                    _fmt(s.get("server_cores"), 2),
                    _fmt(s.get("server_loop_util"), 2),
                    _fmt(s.get("iowait_share"), 2),
                    row_limit(row, s, partsize, cores),
                ]
            )
        out += _table(
            [
                "network",
                "c",
                "files",
                "files/s",
                "MiB/s",
                "c/delay files/s",
                "client CPU cores",
                "client loop thread",
                "server CPU cores",
                "server loop thread",
                "iowait share",
                "limited by",
            ],
            table,
        )
    return out


def markdown(result: dict[str, Any]) -> str:
    """The whole report as markdown."""
    machine = result["machine"]
    cores = machine.get("cores") or 1
    partsize = result["plan"]["partsize_mib"] * MIB
    lines = [f"# aioglacier benchmarks, {result['date']}", ""]
    if result.get("quick"):
        lines += ["**--quick run: tiny sizes, one run; the figures mean nothing.**", ""]
    lines += [
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB, "
        f"{machine['os']}, {machine['python']}; load average at start "
        f"{machine.get('loadavg_at_start')}; disk {machine.get('disk')}.",
        "",
        "Versions: " + "; ".join(f"{k}: {v}" for k, v in machine["versions"].items()) + ".",
        "",
        f"Command: `{result['command']}` ({result['seconds'] / 60:.1f} minutes).",
        "",
        "Each figure is the median over the runs, with (min–max). CPU is the client's own user +"
        " system time, every child process included (os.wait4); the servers run in processes of"
        " their own (server CPU s). Peak RSS is the peak resident set of the largest single"
        " process of the client (its VmHWM, sampled every 50 ms; ru_maxrss would count the"
        " harness's own RSS at fork); tree RSS is the sampled peak of the sum over its process"
        " tree (mt-aws-glacier and xargs run many processes). The ceiling"
        " client's figures are those of its timed phase only (bodies, hashes and signatures"
        " prepared before its clock starts). `aioglacier ÷ tool` is aioglacier's files/s over the"
        " tool's; `of ceiling` the tool's files/s as a share of the ceiling's.",
    ]
    compare = [r for r in result["rows"] if r["suite"] == "compare"]
    scaling = [r for r in result["rows"] if r["suite"] == "scaling"]
    if compare:
        lines += ["", "## Side by side", *_comparison(compare, partsize, cores)]
    if scaling:
        lines += [
            "",
            "## Scaling: aioglacier sync against --concurrency (vault API, emulator)",
            "",
            "`client loop thread` and `server loop thread` are the CPU share of one core used by"
            " the main thread (the event loop) of the client and of the server; a WAN point whose"
            " expected time at the latency bound exceeded the plan's limit ran on the first"
            " `files` files of the set.",
            *_scaling(scaling, partsize, cores),
        ]
    if result.get("charts"):
        lines += ["", "## Charts", ""]
        lines += [f"![{name}]({name})" for name in result["charts"]]
    return "\n".join(lines) + "\n"

"""PNG charts of a result (matplotlib, the optional extra ``bench``).

* ``<stem>-vault.png``, ``<stem>-s3.png``: throughput of every tool, side by side, for each
  workload and network (files/s for the many-file sets, MiB/s for the large file), median with
  min–max error bars, log scale;
* ``<stem>-cpu.png``: client CPU milliseconds per file on the small set;
* ``<stem>-scaling.png``: aioglacier's throughput against ``--concurrency`` on each network,
  each point labelled with what limited it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.report import MIB, Stat, row_limit, summarize

__all__ = ["available", "draw"]


def available() -> str | None:
    """None when matplotlib can draw here, else why not."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return "matplotlib is not installed (pip install -e '.[bench]')"
    return None


_MODE_TITLE = {"equal": "equal concurrency", "best": "each tool at its best concurrency"}


def _ok(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if r["status"] == "ok" and r["runs"]]


def _metric(workload: str) -> tuple[str, str]:
    return ("mib_s", "MiB/s") if workload == "large" else ("files_s", "files/s")


def _plain_ticks(axis: Any) -> None:
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))


def _bars(ax: Any, groups: list[str], series: dict[str, list[Stat | None]], unit: str) -> None:
    import numpy as np

    width = 0.8 / max(len(series), 1)
    x = np.arange(len(groups))
    for i, (tool, stats) in enumerate(series.items()):
        med = [s.median if s else 0.0 for s in stats]
        err = [
            [s.median - s.low if s else 0.0 for s in stats],
            [s.high - s.median if s else 0.0 for s in stats],
        ]
        ax.bar(x + (i - (len(series) - 1) / 2) * width, med, width, yerr=err, capsize=2, label=tool)
    ax.set_xticks(x, groups, rotation=20, ha="right", fontsize=8)
    ax.set_ylabel(f"{unit} (log scale, higher is better)")
    ax.set_yscale("log")
    _plain_ticks(ax.yaxis)
    ax.grid(axis="y", which="both", alpha=0.3)


def _comparison(plt: Any, rows: list[dict[str, Any]], api: str, path: Path) -> bool:
    rows = [r for r in _ok(rows) if r["suite"] == "compare" and r["api"] == api]
    if not rows:
        return False
    workloads = list(dict.fromkeys(r["workload"] for r in rows))
    modes = list(dict.fromkeys(r["mode"] for r in rows))
    fig, axes = plt.subplots(
        len(modes), len(workloads), figsize=(5.5 * len(workloads), 4.5 * len(modes)), squeeze=False
    )
    for i, mode in enumerate(modes):
        for j, workload in enumerate(workloads):
            ax = axes[i][j]
            members = [r for r in rows if r["mode"] == mode and r["workload"] == workload]
            groups = list(dict.fromkeys(f"{r['server']}, {r['network_label']}" for r in members))
            tools = list(dict.fromkeys(r["label"] for r in members))
            key, unit = _metric(workload)
            series: dict[str, list[Stat | None]] = {t: [None] * len(groups) for t in tools}
            for r in members:
                g = groups.index(f"{r['server']}, {r['network_label']}")
                series[r["label"]][g] = summarize(r).get(key)
            _bars(ax, groups, series, unit)
            label = members[0]["workload_label"] if members else workload
            ax.set_title(f"{workload} ({label}), {_MODE_TITLE.get(mode, mode)}", fontsize=9)
            if i == 0 and j == 0:
                ax.legend(fontsize=7)
    title = "Vault API" if api == "vault" else "S3"
    fig.suptitle(
        f"{title} upload throughput by tool: median of the runs, bars min–max", fontsize=12
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def _cpu(plt: Any, rows: list[dict[str, Any]], path: Path) -> bool:
    rows = [r for r in _ok(rows) if r["suite"] == "compare" and r["workload"] == "small"]
    if not rows:
        return False
    apis = list(dict.fromkeys(r["api"] for r in rows))
    fig, axes = plt.subplots(1, len(apis), figsize=(6.5 * len(apis), 4.5), squeeze=False)
    for j, api in enumerate(apis):
        ax = axes[0][j]
        members = [r for r in rows if r["api"] == api and r["mode"] == rows[0]["mode"]]
        groups = list(dict.fromkeys(f"{r['server']}, {r['network_label']}" for r in members))
        tools = list(dict.fromkeys(r["label"] for r in members))
        series: dict[str, list[Stat | None]] = {t: [None] * len(groups) for t in tools}
        for r in members:
            series[r["label"]][groups.index(f"{r['server']}, {r['network_label']}")] = summarize(
                r
            ).get("cpu_ms_file")
        _bars(ax, groups, series, "client CPU ms per file")
        ax.set_ylabel("client CPU ms per file (log scale, lower is better)")
        label = members[0]["workload_label"] if members else ""
        ax.set_title(f"{'Vault API' if api == 'vault' else 'S3'}, small set ({label})", fontsize=9)
        ax.legend(fontsize=7)
    fig.suptitle("Client CPU per file (user + system, child processes included)", fontsize=12)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


_SHORT = {
    "retries": "retries",
    "disk": "disk",
    "client event loop/GIL": "loop",
    "client CPU": "cpu",
    "server event loop": "server",
    "server CPU": "server",
    "machine CPU": "cpu",
    "latency x concurrency": "latency",
    "latency/concurrency": "latency",
    "none saturated": "none",
}


def _short(limit: str) -> str:
    for prefix, short in _SHORT.items():
        if limit.startswith(prefix):
            return short
    return "?"


def _scaling(plt: Any, rows: list[dict[str, Any]], partsize: int, cores: int, path: Path) -> bool:
    rows = [r for r in _ok(rows) if r["suite"] == "scaling"]
    if not rows:
        return False
    workloads = list(dict.fromkeys(r["workload"] for r in rows))
    fig, axes = plt.subplots(1, len(workloads), figsize=(6.5 * len(workloads), 4.8), squeeze=False)
    for j, workload in enumerate(workloads):
        ax = axes[0][j]
        key, unit = _metric(workload)
        members = [r for r in rows if r["workload"] == workload]
        for network in dict.fromkeys(r["network_label"] for r in members):
            points = sorted(
                (r for r in members if r["network_label"] == network),
                key=lambda r: r["concurrency"],
            )
            xs, med, lo, hi, notes = [], [], [], [], []
            for r in points:
                s = summarize(r)
                stat = s.get(key)
                if stat is None:
                    continue
                xs.append(r["concurrency"])
                med.append(stat.median)
                lo.append(stat.median - stat.low)
                hi.append(stat.high - stat.median)
                notes.append(_short(row_limit(r, s, partsize, cores)))
            ax.errorbar(xs, med, yerr=[lo, hi], marker="o", capsize=3, label=network)
            for x, y, note in zip(xs, med, notes, strict=True):
                ax.annotate(note, (x, y), textcoords="offset points", xytext=(4, 5), fontsize=7)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        concurrencies = sorted({r["concurrency"] for r in members})
        ax.set_xticks(concurrencies, [str(c) for c in concurrencies])
        _plain_ticks(ax.yaxis)
        ax.set_xlabel("--concurrency (requests in flight, log scale)")
        ax.set_ylabel(f"{unit} (log scale)")
        label = members[0]["workload_label"] if members else workload
        ax.set_title(f"{workload} ({label})", fontsize=9)
        ax.grid(which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(
        "aioglacier sync (vault API) against --concurrency; each point labelled with what "
        "limited it",
        fontsize=11,
    )
    fig.text(
        0.5,
        0.005,
        "limits: loop = client event loop/GIL near one core; cpu = client or machine CPU; "
        "server = server CPU; latency = WAN latency x concurrency; disk = iowait; "
        "retries = backoff waits; none = nothing saturated",
        ha="center",
        fontsize=8,
    )
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def draw(result: dict[str, Any], directory: Path, stem: str) -> list[str]:
    """Draw every chart the result has data for; return the file names written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = result["rows"]
    cores = result["machine"].get("cores") or 1
    partsize = result["plan"]["partsize_mib"] * MIB
    written = []
    drawers: tuple[tuple[str, Callable[[Path], bool]], ...] = (
        ("vault", lambda p: _comparison(plt, rows, "vault", p)),
        ("s3", lambda p: _comparison(plt, rows, "s3", p)),
        ("cpu", lambda p: _cpu(plt, rows, p)),
        ("scaling", lambda p: _scaling(plt, rows, partsize, cores, p)),
    )
    for name, draw_one in drawers:
        path = directory / f"{stem}-{name}.png"
        if draw_one(path):
            written.append(path.name)
    return written

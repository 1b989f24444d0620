"""``python -m benchmarks``: the one entry point.

    python -m benchmarks [OPTIONS]        every tool side by side, then aioglacier's sweep
    python -m benchmarks --quick          tiny sizes, one run, no peer that needs installing
    python -m benchmarks setup            install the peers that are missing
    python -m benchmarks NAME [ARGS]      a focused benchmark, benchmarks/bench_NAME.py (sync,
                                          restore, treehash, journal, emulator, ...)

Writes a markdown table to standard output and ``<out>/<date>.md``, ``<out>/<date>.json`` and
PNG charts beside them (``<out>``: ``--out``, else ``benchmarks/results``, or with ``--quick``
``benchmarks/.cache/quick-results``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import runpy
import shlex
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks import charts
from benchmarks.install import install
from benchmarks.machine import describe
from benchmarks.report import markdown
from benchmarks.runner import Network, Plan, run_plan
from benchmarks.servers import S3rverServer, s3rver_command
from benchmarks.tools import TOOLS, Context, Tool, find_peers_dirs, tools_for
from benchmarks.workloads import MIB, default_workloads, large, mixed, quick_workloads, small

__all__ = ["main"]

HERE = Path(__file__).resolve().parent


def _focused() -> dict[str, Path]:
    """The focused benchmarks: every ``benchmarks/bench_NAME.py``, as ``NAME`` (and with
    dashes for underscores)."""
    found: dict[str, Path] = {}
    for script in sorted(HERE.glob("bench_*.py")):
        name = script.stem.removeprefix("bench_")
        found[name] = found[name.replace("_", "-")] = script
    return found


CACHE = HERE / ".cache"

#: Each tool's best concurrency, unless --best says otherwise: aioglacier's and the ceiling's
#: highest sweep point, mt-aws-glacier's maximum, rclone's and aws s3's highest that helps,
#: s5cmd's default worker count.
BEST = {
    "vault": {"aioglacier": 256, "mtglacier": 30, "aws-glacier": 64, "ceiling": 256},
    "s3": {"aioglacier": 256, "rclone": 64, "s5cmd": 256, "aws-s3": 64, "ceiling": 256},
}


def _csv(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _ints(text: str) -> list[int]:
    return [int(t) for t in _csv(text)]


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="aioglacier against its peers, side by side, on loopback and a simulated WAN.",
        epilog="Other commands: `python -m benchmarks setup` installs missing peers; "
        "`python -m benchmarks NAME ARGS` runs the focused benchmark benchmarks/bench_NAME.py "
        f"({', '.join(n for n in _focused() if '-' not in n)}).",
    )
    ap.add_argument("--quick", action="store_true", help="tiny sizes, one run, no peers to install")
    ap.add_argument("--runs", type=int, default=None, help="runs of each tool (default 3; quick 1)")
    ap.add_argument("--apis", default="vault,s3", help="vault,s3")
    ap.add_argument(
        "--networks",
        default=None,
        help="loopback,wan50,wan150 (default; quick: loopback,wan50)",
    )
    ap.add_argument(
        "--s3-servers",
        default=None,
        help="emulator,s3rver,moto (default; quick: emulator,moto)",
    )
    ap.add_argument("--tools", default=None, help="only these tools (names as in the tables)")
    ap.add_argument(
        "--workloads", default=None, help="small,mixed,large (default; quick: small,large)"
    )
    ap.add_argument("--modes", default=None, help="equal,best (default; quick: equal)")
    ap.add_argument(
        "--concurrency", type=int, default=16, help="the equal concurrency of every tool (16)"
    )
    ap.add_argument(
        "--best",
        action="append",
        default=[],
        metavar="TOOL=N",
        help="a tool's best concurrency (repeatable; defaults: " + json.dumps(BEST) + ")",
    )
    ap.add_argument(
        "--scaling-concurrency",
        default=None,
        help="aioglacier's sweep points, '' for none (default 1,4,16,64,256; quick 1,8)",
    )
    ap.add_argument(
        "--scaling-networks",
        default=None,
        help="networks of the sweep (default: --networks; quick: its WAN)",
    )
    ap.add_argument("--scaling-workloads", default=None, help="small,large (default; quick: small)")
    ap.add_argument(
        "--scaling-seconds",
        type=float,
        default=60.0,
        help="a WAN sweep point expected to take longer runs on a prefix of the set (60)",
    )
    ap.add_argument("--partsize", type=int, default=16, help="part size in MiB for every tool (16)")
    ap.add_argument("--small-files", type=int, default=None, help="files in the small set (2000)")
    ap.add_argument("--mixed-files", type=int, default=None, help="files in the mixed set (500)")
    ap.add_argument("--large-mib", type=int, default=None, help="size of the large file (1024)")
    ap.add_argument(
        "--per-file-sample",
        type=int,
        default=None,
        help="files uploaded by `aws glacier upload-archive`, one process each (100; quick 1)",
    )
    ap.add_argument(
        "--per-file-jobs",
        type=int,
        default=None,
        help="such processes at once (default: twice the cores)",
    )
    ap.add_argument("--mtglacier", type=Path, default=None, help="mt-aws-glacier dir or tarball")
    ap.add_argument("--peers-dir", type=Path, action="append", default=[], help="shared/peers dir")
    ap.add_argument("--workdir", type=Path, default=None, help="data and servers (default: cache)")
    ap.add_argument(
        "--out",
        type=Path,
        default=None,
        help="where results go (benchmarks/results; quick: benchmarks/.cache/quick-results)",
    )
    ap.add_argument("--no-charts", action="store_true", help="skip the PNG charts")
    ap.add_argument("--no-install", action="store_true", help="skip missing peers, never install")
    ap.add_argument(
        "--shared-server",
        action="store_true",
        help="one server per group instead of a fresh one per run (quick's default)",
    )
    ap.add_argument(
        "--verify-hashes", action="store_true", help="the emulator verifies hashes (off: default)"
    )
    return ap


def _best(args: argparse.Namespace) -> dict[str, dict[str, int]]:
    best = {api: dict(v) for api, v in BEST.items()}
    for item in args.best:
        name, _, value = item.partition("=")
        for table in best.values():
            table[name.strip()] = int(value)
    return best


def _stem(out: Path) -> str:
    today = dt.date.today().isoformat()
    stem, n = today, 1
    while (out / f"{stem}.json").exists():
        n += 1
        stem = f"{today}-{n}"
    return stem


_T0 = time.monotonic()


def _log(line: str) -> None:
    """Progress on stderr, each line with the minutes and seconds since the start."""
    elapsed = int(time.monotonic() - _T0)
    print(f"[{elapsed // 60:3d}:{elapsed % 60:02d}] {line}", file=sys.stderr, flush=True)


def _run(argv: Sequence[str]) -> int:
    args = _parser().parse_args(argv)
    quick = args.quick
    temp: tempfile.TemporaryDirectory[str] | None = None
    if args.workdir is None and quick:
        temp = tempfile.TemporaryDirectory(prefix="aioglacier-bench-")
        workdir = Path(temp.name)
    else:
        workdir = (args.workdir or CACHE / "work").resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    out = (args.out or (CACHE / "quick-results" if quick else HERE / "results")).resolve()
    out.mkdir(parents=True, exist_ok=True)
    try:
        workloads = quick_workloads() if quick else default_workloads()
        if args.small_files:
            workloads["small"] = small(count=args.small_files)
        if args.mixed_files:
            workloads["mixed"] = mixed(count=args.mixed_files)
        if args.large_mib:
            workloads["large"] = large(size=args.large_mib * MIB)
        chosen = _csv(args.workloads or ("small,large" if quick else "small,mixed,large"))
        unknown = set(chosen) - set(workloads)
        if unknown:
            raise SystemExit(f"unknown workloads: {', '.join(sorted(unknown))}")
        workloads = {k: v for k, v in workloads.items() if k in chosen}
        networks = [
            Network.parse(n)
            for n in _csv(args.networks or ("loopback,wan50" if quick else "loopback,wan50,wan150"))
        ]
        if args.scaling_networks is not None:
            scaling_networks = [Network.parse(n) for n in _csv(args.scaling_networks)]
        elif quick:  # the comparison covers loopback already
            scaling_networks = [n for n in networks if n.delay_ms][:1] or networks[:1]
        else:
            scaling_networks = networks
        scaling = args.scaling_concurrency
        if scaling is None:
            scaling = "1,8" if quick else "1,4,16,64,256"
        ctx = Context(
            cache=CACHE,
            peers_dirs=find_peers_dirs(args.peers_dir),
            mtglacier=args.mtglacier.resolve() if args.mtglacier else None,
            per_file_sample=args.per_file_sample or (1 if quick else 100),
        )
        if args.per_file_jobs:
            ctx.per_file_jobs = args.per_file_jobs
        apis = _csv(args.apis)
        s3_servers = _csv(args.s3_servers or ("emulator,moto" if quick else "emulator,s3rver,moto"))
        tool_names = _csv(args.tools) if args.tools else None
        selected: list[Tool] = [t for api in apis for t in tools_for(api, tool_names)]
        if not quick and not args.no_install:
            missing = [t for t in selected if t.missing(ctx) is not None and t.install_steps(ctx)]
            want_s3rver = "s3" in apis and "s3rver" in s3_servers and s3rver_command(CACHE) is None
            if missing or want_s3rver:
                _log("installing missing peers (--no-install skips them instead)")
                install(ctx, missing, want_s3rver, _log)
        plan = Plan(
            workdir=workdir,
            ctx=ctx,
            workloads=workloads,
            networks=networks,
            apis=apis,
            s3_servers=s3_servers,
            tools=tool_names,
            modes=_csv(args.modes or ("equal" if quick else "equal,best")),
            runs=args.runs or (1 if quick else 3),
            equal_concurrency=args.concurrency,
            best_concurrency=_best(args),
            scaling_concurrency=_ints(scaling),
            scaling_networks=scaling_networks,
            scaling_workloads=[
                w
                for w in _csv(args.scaling_workloads or ("small" if quick else "small,large"))
                if w in workloads
            ],
            scaling_seconds=args.scaling_seconds,
            partsize=args.partsize * MIB if not quick else 8 * MIB,
            verify_hashes=args.verify_hashes,
            server_per_run=not (args.shared_server or quick),
            quick=quick,
            log=_log,
        )
        machine = describe(ctx, selected, workdir)
        load = machine.get("loadavg_at_start")
        cores = machine.get("cores") or 1
        if not quick and load and load[0] > 0.25 * cores:
            _log(
                f"warning: load average {load[0]} on {cores} cores before the start: other work "
                "on this machine makes every figure noise"
            )
        machine["server_versions"] = {S3rverServer.kind: S3rverServer.label}
        started = dt.datetime.now().astimezone()
        rows, seconds = run_plan(plan)
        stem = _stem(out)
        result = {
            "date": started.strftime("%Y-%m-%d %H:%M %Z"),
            "command": "python -m benchmarks " + shlex.join(argv),
            "quick": quick,
            "seconds": seconds,
            "machine": machine,
            "plan": {
                "workloads": {k: v.description for k, v in workloads.items()},
                "networks": [n.label for n in networks],
                "runs": plan.runs,
                "equal_concurrency": plan.equal_concurrency,
                "best_concurrency": plan.best_concurrency,
                "partsize_mib": plan.partsize // MIB,
                "scaling_concurrency": plan.scaling_concurrency,
                "scaling_networks": [n.label for n in scaling_networks],
                "server_per_run": plan.server_per_run,
                "verify_hashes": plan.verify_hashes,
            },
            "rows": [r.to_json() for r in rows],
            "charts": [],
        }
        if not args.no_charts:
            why = charts.available()
            if why is None:
                result["charts"] = charts.draw(result, out, stem)
            else:
                _log(f"charts skipped: {why}")
        text = markdown(result)
        (out / f"{stem}.json").write_text(json.dumps(result, indent=1) + "\n")
        (out / f"{stem}.md").write_text(text)
        print(text)
        _log(
            f"results: {out / stem}.md, .json"
            + (f", {len(result['charts'])} charts" if result["charts"] else "")
        )
        return 0
    finally:
        if temp is not None:
            temp.cleanup()


def _setup(argv: Sequence[str]) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks setup", description="Install missing peers."
    )
    ap.add_argument(
        "--only",
        default=None,
        help="only these tools (mtglacier,rclone,s5cmd,aws-glacier,aws-s3,s3rver)",
    )
    ap.add_argument("--mtglacier", type=Path, default=None)
    ap.add_argument("--peers-dir", type=Path, action="append", default=[])
    args = ap.parse_args(argv)
    ctx = Context(
        cache=CACHE,
        peers_dirs=find_peers_dirs(args.peers_dir),
        mtglacier=args.mtglacier.resolve() if args.mtglacier else None,
    )
    only = set(_csv(args.only)) if args.only else None
    tools = [
        t
        for api in TOOLS.values()
        for t in api.values()
        if (only is None or t.name in only) and not t.is_ours and not t.is_ceiling
    ]
    failures = install(ctx, tools, only is None or "s3rver" in only)
    for tool in tools:
        why = tool.missing(ctx)
        print(f"{tool.label}: {'ready, ' + tool.version(ctx) if why is None else why}")
    print(f"s3rver: {'ready' if s3rver_command(CACHE) else 'not installed'}")
    return 1 if failures else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch: setup, a focused benchmark, or the side-by-side run."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "setup":
        return _setup(argv[1:])
    focused = _focused()
    if argv and argv[0] in focused:
        script = focused[argv[0]]
        saved = sys.argv
        sys.argv = [str(script), *argv[1:]]
        try:
            runpy.run_path(str(script), run_name="__main__")
        finally:
            sys.argv = saved
        return 0
    if argv and argv[0] == "run":
        argv = argv[1:]
    return _run(argv)

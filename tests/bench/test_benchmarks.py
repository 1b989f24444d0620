"""The benchmark code cannot rot: ``python -m benchmarks --quick`` runs end to end once, and its
measuring and reporting pieces are checked on cases with known answers. No figure it measures
is judged: speed is the benchmark's business, not the suite's."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.measure import ToolFailed, count_retries, run_measured
from benchmarks.report import Stat, latency_bound, limit_of, markdown, summarize
from benchmarks.runner import Network, Plan, scaling_files
from benchmarks.tools import Context
from benchmarks.workloads import materialize, mixed, quick_workloads, small

REPO = Path(__file__).resolve().parents[2]


def _has_bucket_sync() -> bool:
    out = subprocess.run(
        [sys.executable, "-m", "aioglacier", "sync", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    return "--bucket" in out.stdout


# Generous: it runs every tool once against real servers (about a minute on 2 idle cores);
# the bound guards against a hang, not a slow machine.
@pytest.mark.timeout(900)
def test_quick_run_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "results"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    [result_json] = out.glob("*.json")
    [result_md] = out.glob("*.md")
    assert result_json.stem == result_md.stem
    result = json.loads(result_json.read_text())
    text = result_md.read_text()
    assert text in proc.stdout  # the table on stdout is the file's
    assert result["quick"] is True
    assert result["machine"]["cores"] >= 1
    assert "aioglacier" in result["machine"]["versions"]

    workloads = quick_workloads()
    del workloads["mixed"]  # --quick runs the small and the large set only
    rows = result["rows"]

    def row(**want: object) -> dict[str, object]:
        found = [r for r in rows if all(r[k] == v for k, v in want.items())]
        assert len(found) == 1, (want, found)
        return found[0]

    for network in ("loopback", "wan50"):
        for wl in workloads.values():
            for tool in ("aioglacier", "ceiling", "aws-glacier"):
                r = row(suite="compare", api="vault", network=network, workload=wl.name, tool=tool)
                assert r["status"] == "ok", r["reason"]
                [run] = r["runs"]
                expected = 1 if tool == "aws-glacier" else wl.files
                assert run["files"] == expected
                if tool != "aws-glacier":
                    assert run["bytes"] == wl.total
                assert run["cpu_user"] + run["cpu_system"] > 0
                assert run["maxrss"] > 0
            mt = row(
                suite="compare", api="vault", network=network, workload=wl.name, tool="mtglacier"
            )
            # Skipped with its reason: --quick installs nothing, or (a clone with no
            # shared/peers beside it) the tarball is not there to unpack.
            assert mt["status"] == "skipped"
            reason = str(mt["reason"])
            assert "--quick" in reason or reason.startswith("mt-aws-glacier-1.120.tar.gz not found")
        # The WAN is real: no request is answered in less than the delay, so the ceiling's
        # timed phase lasts at least one delay per round of 16 requests in flight.
    small_wan = row(suite="compare", api="vault", network="wan50", workload="small", tool="ceiling")
    rounds = math.ceil(workloads["small"].files / 16)
    assert small_wan["runs"][0]["inner"]["seconds"] >= rounds * 0.050

    ours_s3 = row(
        suite="compare",
        api="s3",
        server="moto",
        network="loopback",
        workload="small",
        tool="aioglacier",
    )
    if _has_bucket_sync():
        assert ours_s3["status"] == "ok", ours_s3["reason"]
    else:
        assert ours_s3["status"] == "skipped"
        assert "not available yet" in str(ours_s3["reason"])
        assert "not available yet" in text
    for tool in ("aws-s3", "ceiling"):
        r = row(
            suite="compare",
            api="s3",
            server="moto",
            network="loopback",
            workload="large",
            tool=tool,
        )
        assert r["status"] == "ok", r["reason"]
        assert r["runs"][0]["bytes"] == workloads["large"].total
    moto_wan = row(
        suite="compare", api="s3", server="moto", network="wan50", workload="small", tool="aws-s3"
    )
    assert moto_wan["status"] == "skipped"
    assert "cannot simulate a WAN delay" in str(moto_wan["reason"])

    sweep = [r for r in rows if r["suite"] == "scaling"]
    assert sorted(r["concurrency"] for r in sweep) == [1, 8]
    assert all(r["status"] == "ok" and r["network"] == "wan50" for r in sweep)

    assert "| tool | c | files/s |" in text
    assert "## Scaling: aioglacier sync against --concurrency" in text
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert result["charts"] == []
    else:
        assert sorted(result["charts"]) == sorted(
            f"{result_json.stem}-{name}.png" for name in ("vault", "s3", "cpu", "scaling")
        )
        for name in result["charts"]:
            assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            assert f"![{name}]({name})" in text


def test_cpu_of_grandchildren_is_counted() -> None:
    # A shell runs a Python grandchild that burns CPU and reports its own CPU time: wait4 on
    # the shell must count at least that much.
    burn = (
        "import hashlib, resource\n"
        "hashlib.sha256(bytes(64 * 1024 * 1024)).digest()\n"
        "ru = resource.getrusage(resource.RUSAGE_SELF)\n"
        "print(ru.ru_utime + ru.ru_stime)\n"
    )
    m, out = run_measured(["sh", "-c", f'"{sys.executable}" -c "$0"; true', burn])
    grandchild = float(out.strip())
    assert grandchild > 0
    assert m.cpu >= grandchild - 0.02  # clock-tick rounding of the kernel's accounting


def test_a_failing_tool_raises_with_its_stderr() -> None:
    with pytest.raises(ToolFailed, match=r"failed \(exit 3\): boom"):
        run_measured(["sh", "-c", "echo boom >&2; exit 3"])


def test_workloads_are_seeded_and_reused(tmp_path: Path) -> None:
    wl = mixed(count=7, median=10_000, sigma=1.0, cap=50_000, seed=5)
    assert wl == mixed(count=7, median=10_000, sigma=1.0, cap=50_000, seed=5)
    assert all(1 <= s <= 50_000 for s in wl.sizes)
    a = materialize(wl, tmp_path / "a")
    b = materialize(wl, tmp_path / "b")
    files_a = sorted(p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file())
    assert files_a == wl.relpaths()
    for rel, size in zip(wl.relpaths(), wl.sizes, strict=True):
        assert (a / rel).read_bytes() == (b / rel).read_bytes()
        assert (a / rel).stat().st_size == size
    # A second call with the same description keeps the files as they are.
    marker = a / wl.relpaths()[0]
    marker.write_bytes(b"kept")
    assert materialize(wl, tmp_path / "a") == a
    assert marker.read_bytes() == b"kept"
    # Another description rewrites the tree.
    other = small(count=3, size=10, seed=9)
    base = materialize(other, tmp_path / "a")
    assert sorted(p.stat().st_size for p in base.rglob("*") if p.is_file()) == [10, 10, 10]


def test_network_names() -> None:
    assert Network.parse("loopback") == Network("loopback", 0)
    assert Network.parse("wan150") == Network("wan150", 150)
    assert Network.parse("WAN:50ms").label == "WAN 50 ms"
    with pytest.raises(ValueError, match="unknown network"):
        Network.parse("lan")


def _row(tool: str, delay: int, concurrency: int, files: int, nbytes: int) -> dict[str, object]:
    run = {
        "wall": 1.0,
        "cpu_user": 0.5,
        "cpu_system": 0.1,
        "maxrss": 10 << 20,
        "ru_maxrss": 0,
        "tree_rss": 10 << 20,
        "loop_cpu": 0.5,
        "loop_seconds": 1.0,
        "server_cpu": 0.2,
        "server_loop_cpu": 0.2,
        "machine": {"busy": 0.8, "idle": 1.2, "iowait": 0.0},
        "files": files,
        "bytes": nbytes,
        "inner": None,
    }
    return {"tool": tool, "delay_ms": delay, "concurrency": concurrency, "runs": [run]}


def test_latency_bound_counts_requests_per_file() -> None:
    mib = 1 << 20
    assert latency_bound(_row("aioglacier", 0, 16, 100, 100 * 4096), 16 * mib) is None
    # One request per small file: 16 in flight, 100 ms each -> 160 files/s.
    assert latency_bound(_row("aioglacier", 100, 16, 100, 100 * 4096), 16 * mib) == 160
    # mt-aws-glacier: three requests per file.
    assert latency_bound(_row("mtglacier", 100, 16, 100, 100 * 4096), 16 * mib) == pytest.approx(
        160 / 3
    )
    # One file of 4 parts: at most 4 in flight, 6 requests (initiate, parts, complete).
    assert latency_bound(_row("aioglacier", 100, 16, 1, 64 * mib), 16 * mib) == pytest.approx(
        4 * 10 / 6
    )


def _stats(**medians: float) -> dict[str, Stat]:
    return {k: Stat(v, v, v) for k, v in medians.items()}


def test_limit_names_what_saturated_in_order() -> None:
    assert limit_of(_stats(iowait_share=0.4, loop_util=0.99), None, 2).startswith("disk")
    assert limit_of(_stats(loop_util=0.95, server_loop_util=0.99), None, 2).startswith(
        "client event loop/GIL (95%"
    )
    assert limit_of(_stats(client_cores=1.9), None, 2).startswith("client CPU (1.9 of 2")
    assert limit_of(_stats(loop_util=0.3, server_loop_util=0.9), None, 2).startswith(
        "server event loop"
    )
    assert limit_of(_stats(machine_busy=0.95, client_cores=1.0, server_cores=0.9), None, 2) == (
        "machine CPU (client 1.0 + server 0.9 of 2 cores busy)"
    )
    assert limit_of(_stats(files_s=150.0, loop_util=0.2), 160.0, 2).startswith(
        "latency x concurrency (94%"
    )
    assert limit_of(_stats(files_s=50.0), 160.0, 2).startswith("latency/concurrency (none")
    assert limit_of(_stats(files_s=50.0), None, 2) == "none saturated (latency/concurrency)"
    assert limit_of(_stats(retries=7.0, client_cores=1.9), None, 2) == (
        "retries (7 per run: backoff waits)"
    )


def test_retries_are_counted_from_the_tool_output() -> None:
    output = (
        "retrying list_multipart_uploads: 500 InternalError, attempt 2/8, next in 0.1 s\n"
        "uploaded a.bin\n"
        "retrying put_object a.bin: 503 SlowDown, attempt 2/8, next in 0.2 s\n"
        "  retrying is not at the start of this line\n"
    )
    assert count_retries(output) == 2


def test_scaling_points_on_a_slow_wan_run_on_a_prefix(tmp_path: Path) -> None:
    plan = Plan(
        workdir=tmp_path,
        ctx=Context(cache=tmp_path),
        workloads={},
        networks=[],
        apis=["vault"],
        s3_servers=[],
        tools=None,
        modes=["equal"],
        runs=1,
        equal_concurrency=16,
        best_concurrency={},
        scaling_concurrency=[1, 256],
        scaling_networks=[],
        scaling_workloads=["small"],
        scaling_seconds=60.0,
        partsize=16 << 20,
    )
    wl = small(count=2000)
    assert scaling_files(plan, wl, Network("loopback", 0), 1) is None
    # 2000 files x 150 ms / 1 = 300 s expected: 60 s worth at the latency bound, 400 files.
    assert scaling_files(plan, wl, Network("wan150", 150), 1) == 400
    assert scaling_files(plan, wl, Network("wan150", 150), 256) is None


def test_markdown_shows_medians_ranges_ratios_and_skips() -> None:
    ours = _row("aioglacier", 0, 16, 100, 100 * 4096)
    peer = _row("mtglacier", 0, 16, 100, 100 * 4096)
    peer["runs"] = [dict(peer["runs"][0], wall=w) for w in (2.0, 4.0, 5.0)]  # type: ignore[index]
    common = {
        "suite": "compare",
        "api": "vault",
        "server": "emulator",
        "network": "loopback",
        "network_label": "loopback",
        "workload": "small",
        "workload_label": "100 x 4 KiB",
        "mode": "equal",
        "is_ours": False,
        "is_ceiling": False,
        "status": "ok",
        "reason": "",
        "sample": None,
    }
    rows = [
        {**common, **ours, "label": "aioglacier sync", "is_ours": True},
        {**common, **peer, "label": "mt-aws-glacier sync"},
        {
            **common,
            "tool": "rclone",
            "label": "rclone sync",
            "concurrency": 0,
            "delay_ms": 0,
            "status": "skipped",
            "reason": "rclone is not installed",
            "runs": [],
        },
    ]
    assert summarize(rows[1])["files_s"] == Stat(25.0, 20.0, 50.0)
    result = {
        "date": "2026-01-01 00:00 UTC",
        "command": "python -m benchmarks",
        "quick": False,
        "seconds": 60.0,
        "machine": {
            "cpu": "test cpu",
            "cores": 2,
            "memory_gib": 4,
            "os": "Linux",
            "python": "CPython 3.11",
            "versions": {"aioglacier": "0.1.0"},
        },
        "plan": {"partsize_mib": 16},
        "rows": rows,
        "charts": [],
    }
    text = markdown(result)
    lines = {line.split(" | ")[0]: line for line in text.splitlines() if line.startswith("| ")}
    assert "| 100 | 0.391 |" in lines["| aioglacier sync"]
    assert "| 25.0 (20.0–50.0) |" in lines["| mt-aws-glacier sync"]
    assert "| 4.00x |" in lines["| mt-aws-glacier sync"]  # 100 / 25 files/s
    assert "skipped: rclone is not installed" in lines["| rclone sync"]


def test_focused_benchmarks_are_subcommands() -> None:
    for name in ("sync", "restore", "treehash", "journal", "emulator"):
        proc = subprocess.run(
            [sys.executable, "-m", "benchmarks", name, "--help"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith(f"usage: bench_{name}.py")

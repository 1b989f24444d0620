"""Benchmark: ``aioglacier check-local-hash`` against its floor and mt-aws-glacier, same run.

Run: ``.venv/bin/python benchmarks/bench_checklocal.py [--data /tmp/perf-data] [--only NAME]``

Three trees, generated once under ``--data`` (seeded; reused when their manifest matches):

* ``present``: 100,000 files of 4 KiB (:func:`benchmarks.workloads.small`, seed 1), all in the
  journal with their right tree hashes. Floor: ``openssl dgst -sha256`` over the same files (fed
  by ``xargs``, as many per process as fit). Target: at most 1.5x the openssl run.
* ``missing``: a journal of 94,000 files none of which is on disk (names about 40 characters in
  a directory tree, a tenth with non-ASCII letters; seed 4). Peer: mt-aws-glacier's own
  ``check-local-hash``. Target: at most 0.5x mtglacier's time.
* ``mixed``: about 1 GiB in 2,754 files (one of 512 MiB, four of 64 MiB, 128 of 1 MiB, 2,621 of
  50 KiB; seed 5). Floor: ``openssl dgst -sha256``. Target: at least 1.5x openssl's speed.

Every command runs as a fresh process, as a user runs it (startup included), page cache warm,
the tools interleaved, best of ``--repeat``. The output of each run is checked (the right
number of ``OK`` or ``MISSING`` lines), so a fast wrong answer is never a figure. mt-aws-glacier
runs where its tarball (``shared/peers``) and Perl modules are present; otherwise its row says
why and the rest goes on.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import shutil
import string
import subprocess
import sys
import tarfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.workloads import materialize, small  # noqa: E402

MIB = 1024 * 1024
CLI = [sys.executable, "-m", "aioglacier"]
PRESENT_FILES = 100_000
CPU = [0.0]  # user + system seconds of the last timed() command (xargs' children included)
MISSING_FILES = 94_000
_WORDS = ["photos", "2013", "Holiday trip", "docs", "backup", "музыка", "raw", "Projects", "tmp"]


def _journal_line(n: int, size: int, mtime: int | None, treehash: str, name: str) -> str:
    archive_id = f"{n:0138d}"
    mtime_text = "NONE" if mtime is None else str(mtime)
    return f"B\t1\tCREATED\t{archive_id}\t{size}\t{mtime_text}\t{treehash}\t{name}\n"


def _leaf_tree_hash(data: bytes) -> str:
    from aioglacier.treehash import tree_hash

    if len(data) <= MIB:
        return hashlib.sha256(data).hexdigest()
    return tree_hash(data).hex()


def journal_of_tree(base: Path, journal: Path) -> list[str]:
    """Write the journal a sync of ``base`` would have written; return the relative names."""
    from aioglacier.treehash import tree_hash_file_sync

    names = sorted(p.relative_to(base).as_posix() for p in base.rglob("*") if p.is_file())
    lines = []
    for n, rel in enumerate(names):
        path = base / rel
        info = path.stat()
        if info.st_size <= MIB:
            th = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            th = tree_hash_file_sync(path).hex
        lines.append(_journal_line(n, info.st_size, int(info.st_mtime), th, rel))
    journal.write_text("".join(lines), encoding="utf-8")
    return names


def _manifest_ok(path: Path, wanted: str) -> bool:
    return path.is_file() and path.read_text() == wanted


def prepare_present(data: Path) -> tuple[Path, Path, int]:
    """The 100,000-file tree and its journal."""
    workload = small(count=PRESENT_FILES, size=4096, seed=1)
    base = materialize(workload, data)
    journal = data / "present.journal"
    manifest = data / "present.journal.manifest"
    wanted = f"{workload.description} seed {workload.seed}"
    if not _manifest_ok(manifest, wanted):
        journal_of_tree(base, journal)
        manifest.write_text(wanted)
    return base, journal, PRESENT_FILES


def prepare_missing(data: Path) -> tuple[Path, Path, int]:
    """An empty directory and a journal of 94,000 files."""
    base = data / "missing"
    base.mkdir(parents=True, exist_ok=True)
    journal = data / "missing.journal"
    manifest = data / "missing.journal.manifest"
    wanted = f"{MISSING_FILES} missing seed 4"
    if not _manifest_ok(manifest, wanted):
        rng = random.Random(4)
        lines = []
        for i in range(MISSING_FILES):
            parts = [rng.choice(_WORDS) for _ in range(rng.randint(1, 3))]
            stem = f"снимок_{i}" if rng.random() < 0.1 else f"IMG_{i:07d}"
            name = "/".join([*parts, stem + rng.choice([".jpg", ".txt", ".tar.gz", ""])])
            th = "".join(rng.choices(string.hexdigits[:16], k=64))
            lines.append(_journal_line(i, rng.randint(1, 10**7), 1_600_000_000 + i, th, name))
        journal.write_text("".join(lines), encoding="utf-8")
        manifest.write_text(wanted)
    return base, journal, MISSING_FILES


def mixed_sizes(total_mib: int = 1024) -> list[int]:
    """The sizes of the mixed tree: half in one file, a quarter in 64 MiB files, an eighth in
    1 MiB files, an eighth in 50 KiB files (2,754 files for 1 GiB)."""
    sizes = [total_mib // 2 * MIB] + [64 * MIB] * (total_mib // 4 // 64)
    return sizes + [MIB] * (total_mib // 8) + [50 * 1024] * (total_mib * 1024 // 8 // 50)


def prepare_mixed(data: Path) -> tuple[Path, Path, int]:
    """About 1 GiB in 2,754 files, and its journal."""
    base = data / "mixed"
    journal = data / "mixed.journal"
    manifest = data / "mixed.manifest"
    sizes = mixed_sizes()
    wanted = f"{len(sizes)} files {sum(sizes)} bytes seed 5"
    if not _manifest_ok(manifest, wanted):
        if base.exists():
            shutil.rmtree(base)
        rng = random.Random(5)
        for i, size in enumerate(sizes):
            d = base / f"d{i % 10}"
            d.mkdir(parents=True, exist_ok=True)
            with open(d / f"f{i:05d}", "wb") as out:
                left = size
                while left:
                    n = min(left, 8 * MIB)
                    out.write(rng.randbytes(n))
                    left -= n
        journal_of_tree(base, journal)
        manifest.write_text(wanted)
    return base, journal, len(sizes)


def warm(base: Path) -> list[Path]:
    """Read every file once (page cache warm); return them in name order."""
    files = sorted(p for p in base.rglob("*") if p.is_file())
    for p in files:
        with open(p, "rb", buffering=0) as f:
            while f.read(8 * MIB):
                pass
    return files


def timed(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    stdin: bytes | None = None,
    env: dict[str, str] | None = None,
) -> tuple[float, str]:
    """Run a command; return its wall time and standard output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        list(argv), input=stdin, capture_output=True, cwd=cwd, env=env, check=False
    )
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU[0] = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    if done.returncode not in (0, 1):  # check-local-hash exits 1 when files are missing
        raise RuntimeError(f"{argv[0]} failed ({done.returncode}): {done.stderr[-500:]!r}")
    return elapsed, done.stdout.decode("utf-8", "replace")


def mtglacier_script(peers: Path, cache: Path) -> tuple[Path | None, str]:
    """mt-aws-glacier's script, unpacked into ``cache``; or None and why."""
    tarball = peers / "mt-aws-glacier-1.120.tar.gz"
    script = cache / "mt-aws-glacier" / "mtglacier"
    if not script.exists():
        if not tarball.is_file():
            return None, f"{tarball} not found"
        cache.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tarball) as tar:
            tar.extractall(cache, filter="data")
    if not script.exists():
        return None, f"no mtglacier script in {tarball}"
    probe = subprocess.run(
        ["perl", "-MLWP::UserAgent", "-MJSON::XS", "-e1"], capture_output=True, check=False
    )
    if probe.returncode != 0:
        return None, "its Perl modules are missing (apt-get install libwww-perl libjson-xs-perl)"
    return script, ""


def _count(out: str, status: str) -> int:
    return sum(1 for line in out.splitlines() if line.startswith(status + " "))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--data", type=Path, default=Path("/tmp/perf-data"))
    ap.add_argument("--peers", type=Path, default=REPO.parent.parent / "shared" / "peers")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", action="append", choices=("present", "missing", "mixed"))
    ap.add_argument("--no-peer", action="store_true", help="skip mt-aws-glacier")
    ap.add_argument(
        "--peer-everywhere",
        action="store_true",
        help="run mt-aws-glacier on every tree (it takes 10-30 s on the big ones; default: only "
        "on the missing-files journal, the row whose target is set against it)",
    )
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument(
        "--code",
        type=Path,
        default=REPO,
        help="the aioglacier source tree to measure (default: this one; e.g. an export of main)",
    )
    args = ap.parse_args(argv)
    args.data.mkdir(parents=True, exist_ok=True)
    wanted = args.only or ["missing", "present", "mixed"]
    script, why = (None, "skipped (--no-peer)")
    if not args.no_peer:
        script, why = mtglacier_script(args.peers, args.data / "peers")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(args.code), env.get("PYTHONPATH")]))
    # As a user runs an installed program: with its bytecode cached (the first run writes it).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    figures: dict[str, dict[str, float | str]] = {}
    openssl = shutil.which("openssl")

    for name in wanted:
        prepare = {"present": prepare_present, "missing": prepare_missing, "mixed": prepare_mixed}
        base, journal, count = prepare[name](args.data)
        files = warm(base)
        ours_argv = [*CLI, "check-local-hash", "--dir", str(base), "--journal", str(journal)]
        tools: dict[str, tuple[list[str], bytes | None]] = {"aioglacier": (ours_argv, None)}
        if name != "missing" and openssl is not None:
            listing = b"".join(os.fsencode(p.relative_to(base)) + b"\0" for p in files)
            tools["openssl dgst -sha256"] = (
                ["xargs", "-0", "-s", "1000000", openssl, "dgst", "-sha256"],
                listing,
            )
        if script is not None and (name == "missing" or args.peer_everywhere):
            config = args.data / "mtglacier.cfg"  # it wants credentials even offline
            config.write_text(
                "key=AKIAIOSFODNN7EXAMPLE\nsecret=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
                "region=us-east-1\n"
            )
            tools["mt-aws-glacier"] = (
                [
                    "perl",
                    str(script),
                    "check-local-hash",
                    "--config",
                    str(config),
                    "--dir",
                    str(base),
                    "--journal",
                    str(journal),
                ],
                None,
            )
        times: dict[str, list[float]] = {tool: [] for tool in tools}
        cpu: dict[str, list[float]] = {tool: [] for tool in tools}
        timed(ours_argv, cwd=base, env=env)  # writes the bytecode caches: not counted
        for _ in range(args.repeat):
            for tool, (cmd, stdin) in tools.items():
                elapsed, out = timed(cmd, cwd=base, stdin=stdin, env=env)
                if tool == "aioglacier":
                    status = "MISSING" if name == "missing" else "OK"
                    got = _count(out, status)
                    if got != count:
                        raise RuntimeError(f"aioglacier printed {got} {status} lines, not {count}")
                times[tool].append(elapsed)
                cpu[tool].append(CPU[0])
        total = sum(p.stat().st_size for p in files) / MIB
        print(
            f"\ncheck-local-hash, {name}: {count} journal files, {len(files)} on disk, "
            f"{total:.0f} MiB (best of {args.repeat}, fresh processes, page cache warm)"
        )
        best = {tool: min(t) for tool, t in times.items()}
        for tool, runs in times.items():
            rate = f"{total / best[tool]:8.0f} MiB/s" if total else ""
            print(
                f"  {tool:<22} {best[tool]:7.3f} s {rate}  cpu {min(cpu[tool]):6.3f} s   runs "
                + " ".join(f"{t:.3f}" for t in runs)
            )
        if script is None:
            print(f"  mt-aws-glacier: not run: {why}")
        elif "mt-aws-glacier" not in times:
            print("  mt-aws-glacier: not run on this tree (--peer-everywhere runs it)")
        ours = best["aioglacier"]
        row: dict[str, float | str] = {
            "aioglacier_s": ours,
            "aioglacier_cpu_s": min(cpu["aioglacier"]),
        }
        if name == "missing":
            if "mt-aws-glacier" in best:
                peer = best["mt-aws-glacier"]
                row["mtglacier_s"] = peer
                verdict = "meets" if ours <= 0.5 * peer else "misses"
                print(
                    f"  ours/mtglacier {ours / peer:.2f}x: {verdict} the <= 0.5x target "
                    f"(<= {0.5 * peer:.2f} s)"
                )
        elif "openssl dgst -sha256" in best:
            floor = best["openssl dgst -sha256"]
            row["openssl_s"] = floor
            if name == "present":
                verdict = "meets" if ours <= 1.5 * floor else "misses"
                print(f"  ours/openssl time {ours / floor:.2f}x: {verdict} the <= 1.5x target")
            else:
                verdict = "meets" if floor / ours >= 1.5 else "misses"
                print(f"  speed vs openssl {floor / ours:.2f}x: {verdict} the >= 1.5x target")
            if "mt-aws-glacier" in best:
                row["mtglacier_s"] = best["mt-aws-glacier"]
        figures[name] = row
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

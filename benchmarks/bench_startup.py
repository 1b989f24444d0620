"""Benchmark: how fast a small run starts and ends, against its floor and mt-aws-glacier.

Run: ``.venv/bin/python benchmarks/bench_startup.py [--repeat 7]``

Against the emulator (its own process, started once), each command a fresh process as a user
runs it, interleaved, best and median of ``--repeat``:

* ``sync`` of a 1-file tree (4 KiB) into a new journal: one file uploaded (target <= 0.18 s);
* the same ``sync`` again, the journal up to date: nothing to upload (target <= 0.08 s);
* ``tree-hash`` and ``check-local-hash`` of the same file (offline commands);
* floor: ``python -c pass`` (the interpreter alone) and ``python -m aioglacier --version``
  (the CLI's own imports);
* mt-aws-glacier's ``sync`` of the same tree (upload, then nothing to do), where its tarball
  (``shared/peers``) and Perl modules are present; otherwise its rows say why.

Credentials are given explicitly (a config file with ``key`` and ``secret``, as mtglacier
takes them), over plain HTTP. Each figure is wall time; user + system CPU time beside it.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.bench_checklocal import mtglacier_script  # noqa: E402
from benchmarks.servers import EMULATOR_CREDENTIALS, EmulatorServer, create_vault  # noqa: E402

PY = sys.executable
TARGETS = {"sync, 1 file uploaded": 0.18, "sync, nothing to do": 0.08}


def run(argv: Sequence[str], env: dict[str, str], cwd: Path | None = None) -> tuple[float, float]:
    """Run a command to its end; return wall and CPU (user + system) seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(list(argv), capture_output=True, env=env, cwd=cwd, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr[-800:]!r}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--peers", type=Path, default=REPO.parent.parent / "shared" / "peers")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/perf-data/peers"))
    ap.add_argument(
        "--code",
        type=Path,
        default=REPO,
        help="the aioglacier source tree to measure (default: this one; e.g. an export of main)",
    )
    args = ap.parse_args(argv)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(args.code), env.get("PYTHONPATH")]))
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        env.pop(var, None)
    # As a user runs an installed program: with its bytecode cached (the first run writes it).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    script, why = mtglacier_script(args.peers, args.cache)
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        work = Path(tmp)
        tree = work / "tree"
        tree.mkdir()
        (tree / "one.bin").write_bytes(os.urandom(4096))
        config = work / "glacier.cfg"
        config.write_text(
            f"key={EMULATOR_CREDENTIALS.access_key}\nsecret={EMULATOR_CREDENTIALS.secret_key}\n"
            "region=us-east-1\nprotocol=http\n"
        )
        config.chmod(0o600)
        server = EmulatorServer.start(work / "emu", verify_hashes=False)
        try:
            create_vault(server.url, EMULATOR_CREDENTIALS, "v")
            host_port = server.url.split("://", 1)[1].rstrip("/")
            figures: dict[str, list[tuple[float, float]]] = {}

            warm = [True]  # round 0 writes the bytecode caches and is not counted

            def timed(label: str, cmd: Sequence[str], e: dict[str, str] = env) -> None:
                measured = run(cmd, e, cwd=work)  # not the repo: -m would import from it
                if not warm[0]:
                    figures.setdefault(label, []).append(measured)

            ours = [PY, "-m", "aioglacier"]
            sync = [*ours, "sync", "--config", str(config), "--endpoint-url", server.url]
            sync += ["--dir", str(tree), "--vault", "v"]
            mt_env = dict(env, MTGLACIER_FAKE_HOST=host_port)
            for i in range(args.repeat + 1):
                warm[0] = i == 0
                timed("python -c pass (floor)", [PY, "-c", "pass"])
                timed("aioglacier --version", [*ours, "--version"])
                journal = work / f"j{i}"
                timed("sync, 1 file uploaded", [*sync, "--journal", str(journal)])
                timed("sync, nothing to do", [*sync, "--journal", str(journal)])
                timed("tree-hash, 1 file", [*ours, "tree-hash", str(tree / "one.bin")])
                timed(
                    "check-local-hash, 1 file",
                    [*ours, "check-local-hash", "--dir", str(tree), "--journal", str(journal)],
                )
                if script is not None:
                    mt = ["perl", str(script), "sync", "--config", str(config), "--dir", str(tree)]
                    mt += ["--vault", "v", "--journal", str(work / f"mt{i}")]
                    timed("mtglacier sync, 1 file uploaded", mt, mt_env)
                    timed("mtglacier sync, nothing to do", mt, mt_env)
        finally:
            server.stop()
    print(
        f"\nstartup: each command a fresh process, best and median of {args.repeat} "
        "(wall seconds; CPU user + system beside)"
    )
    for label, runs in figures.items():
        walls = [w for w, _ in runs]
        cpus = [c for _, c in runs]
        target = TARGETS.get(label)
        verdict = ""
        if target is not None:
            verdict = f"  target <= {target:.2f} s: {'meets' if min(walls) <= target else 'misses'}"
        print(
            f"  {label:<34} best {min(walls):6.3f}  median {statistics.median(walls):6.3f}"
            f"  cpu {min(cpus):6.3f}{verdict}"
        )
    if script is None:
        print(f"  mt-aws-glacier: not run: {why}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

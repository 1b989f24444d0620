"""``python -m benchmarks setup``: install the peers that are missing (pip, npm, apt-get).

Each step is printed before it runs; a step that fails is reported and the others go on (the
benchmark then skips that peer with the reason). Nothing is installed system-wide except by
apt-get (rclone, Perl modules for mt-aws-glacier, Node when npm is missing); pip installs into
this Python's environment, npm into the benchmark cache.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks.servers import s3rver_command
from benchmarks.tools import Context, Tool

__all__ = ["S3RVER_PACKAGE", "install", "s3rver_steps"]

S3RVER_PACKAGE = "s3rver@3.7.1"


def s3rver_steps(cache: Path) -> list[list[str]]:
    """Commands installing s3rver into the cache (and Node first, if npm is missing)."""
    if s3rver_command(cache) is not None:
        return []
    steps: list[list[str]] = []
    if shutil.which("npm") is None:
        steps += [["apt-get", "update"], ["apt-get", "install", "-y", "nodejs", "npm"]]
    prefix = cache / "node"
    steps.append(
        ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(prefix), S3RVER_PACKAGE]
    )
    return steps


def install(
    ctx: Context,
    tools: Sequence[Tool],
    want_s3rver: bool,
    log: Callable[[str], None] = print,
) -> list[str]:
    """Install what ``tools`` (and s3rver, if wanted) lack; return one line per failure."""
    failures: list[str] = []
    done: set[tuple[str, ...]] = set()
    plans: list[tuple[str, list[list[str]]]] = [(t.label, t.install_steps(ctx)) for t in tools]
    if want_s3rver:
        plans.append(("s3rver", s3rver_steps(ctx.cache)))
    for label, steps in plans:
        for step in steps:
            if tuple(step) in done:
                continue
            done.add(tuple(step))
            log(f"setup {label}: {' '.join(step)}")
            Path(ctx.cache).mkdir(parents=True, exist_ok=True)
            try:
                result = subprocess.run(step, capture_output=True, text=True, check=False)
            except OSError as exc:
                failures.append(f"{label}: {' '.join(step)}: {exc}")
                break
            if result.returncode != 0:
                tail = " | ".join((result.stderr or result.stdout).strip().splitlines()[-3:])
                failures.append(f"{label}: {' '.join(step)} exited {result.returncode}: {tail}")
                break
    for line in failures:
        log(f"setup failed: {line}")
    return failures

"""Benchmark: CPU cost per byte of the checksums an S3 upload can carry, on this machine.

S3 verifies ``x-amz-checksum-{crc32,crc32c,crc64nvme,sha1,sha256}`` (or ``Content-MD5``) on every
data request. Which one costs least depends on what the engine computes anyway:

* the journal's tree hash: a SHA-256 per 1 MiB leaf (for a file of at most 1 MiB, that leaf *is*
  the file's linear SHA-256);
* SigV4's payload hash: a linear SHA-256 of the body, unless the request is sent with
  ``UNSIGNED-PAYLOAD`` (which botocore does only over HTTPS, and only with a checksum header).

So ``x-amz-checksum-sha256`` is free wherever the payload is signed (it is the payload hash,
base64 instead of hex); any other algorithm is free only if the payload goes unsigned, and then
costs its own pass. This program times each candidate one pass over a buffer (best of
``--repeat`` runs, one thread, warm buffer) and prints MB/s and ns per KiB, then the total hashing
cost per byte of each upload strategy.

Candidates: ``zlib.crc32`` (CRC32), ``hashlib.sha256``, ``hashlib.sha1``, ``hashlib.md5``
(Content-MD5, for ``checksum_mode="when_required"``), and, when importable (not dependencies of
aioglacier): ``crc32c`` (PyPI package ``crc32c``, CRC32C) and ``awscrt.checksums`` (CRC32,
CRC32C, CRC64NVME; installed by ``botocore[crt]``). Usage::

    python benchmarks/bench_checksums.py
    python benchmarks/bench_checksums.py --sizes 4096,1048576,8388608 --repeat 7
"""

from __future__ import annotations

import argparse
import hashlib
import os
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass

KIB = 1024
MIB = 1024 * KIB


@dataclass(frozen=True)
class Candidate:
    """One checksum function: its S3 header name and a callable over a buffer."""

    name: str
    header: str
    fn: Callable[[bytes], object]


def candidates() -> list[Candidate]:
    """Every checksum this machine can compute, dependencies of aioglacier first."""
    found = [
        Candidate("zlib.crc32", "x-amz-checksum-crc32", zlib.crc32),
        Candidate("hashlib.sha256", "x-amz-checksum-sha256", lambda b: hashlib.sha256(b).digest()),
        Candidate("hashlib.sha1", "x-amz-checksum-sha1", lambda b: hashlib.sha1(b).digest()),
        Candidate("hashlib.md5", "Content-MD5", lambda b: hashlib.md5(b).digest()),
    ]
    try:
        import crc32c

        found.append(Candidate("crc32c (PyPI)", "x-amz-checksum-crc32c", crc32c.crc32c))
    except ImportError:
        print("# crc32c (PyPI) not installed: CRC32C row skipped")
    try:
        from awscrt import checksums

        found += [
            Candidate("awscrt crc32", "x-amz-checksum-crc32", checksums.crc32),
            Candidate("awscrt crc32c", "x-amz-checksum-crc32c", checksums.crc32c),
            Candidate("awscrt crc64nvme", "x-amz-checksum-crc64nvme", checksums.crc64nvme),
        ]
    except ImportError:
        print("# awscrt not installed (botocore[crt]): awscrt rows skipped")
    return found


def seconds_per_pass(fn: Callable[[bytes], object], buf: bytes, repeat: int) -> float:
    """Best time of one call over ``buf``, each run looping to about 50 ms of work."""
    loops = max(1, (64 * MIB) // len(buf))
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(loops):
            fn(buf)
        best = min(best, (time.perf_counter() - start) / loops)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=f"{4 * KIB},{64 * KIB},{MIB},{8 * MIB}")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    cands = candidates()
    rate: dict[tuple[str, int], float] = {}  # seconds per byte

    print(f"{'algorithm':<18} {'header':<26}" + "".join(f"{_size(s):>16}" for s in sizes))
    for cand in cands:
        row = f"{cand.name:<18} {cand.header:<26}"
        for size in sizes:
            buf = os.urandom(size)
            per_pass = seconds_per_pass(cand.fn, buf, args.repeat)
            rate[cand.name, size] = per_pass / size
            row += f"{size / per_pass / 1e6:>10.0f} MB/s"
        print(row)

    print("\nns per KiB (CPU per byte x 1024):")
    for cand in cands:
        cells = "".join(f"{rate[cand.name, s] * KIB * 1e9:>16.0f}" for s in sizes)
        print(f"{cand.name:<45}{cells}")

    # What each upload strategy hashes per byte in total (tree hash included).
    sha = "hashlib.sha256"
    print("\nhashing per byte of an upload, tree hash included (ns per KiB):")
    strategies: list[tuple[str, list[str], list[str]]] = [
        # name, passes for a file <= 1 MiB, passes for a multipart part
        ("sha256 checksum, signed payload", [sha], [sha, sha]),
        ("crc32 checksum, UNSIGNED-PAYLOAD (https)", [sha, "zlib.crc32"], [sha, "zlib.crc32"]),
        ("crc32 checksum, signed payload (http)", [sha, "zlib.crc32"], [sha, sha, "zlib.crc32"]),
    ]
    if any(c.name == "crc32c (PyPI)" for c in cands):
        strategies.append(
            (
                "crc32c checksum, UNSIGNED-PAYLOAD (https)",
                [sha, "crc32c (PyPI)"],
                [sha, "crc32c (PyPI)"],
            )
        )
    if any(c.name == "awscrt crc64nvme" for c in cands):
        strategies.append(
            (
                "crc64nvme, UNSIGNED-PAYLOAD (https)",
                [sha, "awscrt crc64nvme"],
                [sha, "awscrt crc64nvme"],
            )
        )
    small = min(sizes)
    large = max(sizes)
    print(f"{'strategy':<45}{'file ' + _size(small):>16}{'part ' + _size(large):>16}")
    for name, small_passes, part_passes in strategies:
        s = sum(rate[p, small] for p in small_passes) * KIB * 1e9
        p = sum(rate[q, large] for q in part_passes) * KIB * 1e9
        print(f"{name:<45}{s:>16.0f}{p:>16.0f}")


def _size(n: int) -> str:
    return f"{n // MIB} MiB" if n >= MIB else f"{n // KIB} KiB"


if __name__ == "__main__":
    main()

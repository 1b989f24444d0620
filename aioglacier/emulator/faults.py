"""Deterministic fault injection: a seeded plan of failures by operation and rate.

The plan is written as a compact spec string (CLI ``--faults``), items separated by commas::

    seed=1,upload_part:500=0.1,upload_archive:throttle=0.05,get_job_output:truncate=0.1,
    *:reset=0.02,job:fail=0.1,bandwidth=50MiB,delay=250ms

Items:

``seed=N``
    Seed of the plan (integer, default 0). Same seed, same spec: same decisions.
``OP:KIND=RATE``
    Inject fault ``KIND`` into a fraction ``RATE`` (0..1) of the requests of operation ``OP``.
    ``OP`` is an operation name (see :data:`OPERATIONS`, e.g. ``upload_part``,
    ``upload_archive``, ``get_job_output``; ``glacier.`` may prefix them), an S3 operation
    (``s3.`` and botocore's name: ``s3.put_object``, ``s3.upload_part``, ``s3.get_object``...,
    see :data:`S3_OPERATIONS`), ``s3.*`` for every S3 operation or ``*`` for every operation.
    Kinds:

    ``500``       500 ``ServiceUnavailableException`` (type Server), nothing done.
    ``503``       503 ``ServiceUnavailableException`` (type Server), nothing done.
    ``throttle``  400 ``ThrottlingException`` "Rate exceeded", nothing done.
    ``timeout``   408 ``RequestTimeoutException``, nothing done (a request body is read first).
    ``reset``     the connection is reset (TCP RST): for a request with a body, after half of
                  the body was received; for Get Job Output, after half of the response body was
                  sent (the request took effect, the response is cut); otherwise before any
                  response. An upload that is reset stores nothing.
    ``truncate``  the response is cut: the headers announce the full ``Content-Length`` but the
                  connection is closed after half of the body (the request took effect).
    ``slow``      the response is delayed by ``delay`` seconds (the request takes effect).
    ``drop``      the request takes effect, then the connection is reset instead of answered
                  (the client cannot know it succeeded: retries must be idempotent-safe).

``job:fail=RATE``
    A fraction ``RATE`` of the jobs initiated end ``Failed`` instead of ``Succeeded``.
``bandwidth=SIZE``
    Cap every request and response body at ``SIZE`` bytes per second (per request); ``SIZE`` is an
    integer with an optional unit ``B``, ``KB``/``KiB``, ``MB``/``MiB``, ``GB``/``GiB`` (all
    binary: 1 KB = 1024 B) and an optional ``/s``.
``delay=SECONDS``
    Pause of a ``slow`` fault: ``1.5``, ``1.5s`` or ``250ms`` (default 1 s).

Decisions are deterministic: the ``n``-th request (in arrival order, counted from 1) of operation
``OP`` gets fault ``KIND`` when ``blake2b(seed/OP/n/KIND/rule#)`` mapped to [0, 1) is below the
rule's rate. When several rules fire for a request, the first one in the spec wins. A request
counts toward its operation whatever the outcome (including authentication failures, which are
decided before any fault).
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import Counter
from dataclasses import dataclass, field

__all__ = [
    "FAULT_KINDS",
    "OPERATIONS",
    "S3_OPERATIONS",
    "FaultInjector",
    "FaultPlan",
    "FaultRule",
    "parse_fault_spec",
]

#: Operation names usable in a fault rule (and in emulator statistics).
OPERATIONS: tuple[str, ...] = (
    "create_vault",
    "describe_vault",
    "list_vaults",
    "delete_vault",
    "upload_archive",
    "delete_archive",
    "initiate_multipart_upload",
    "upload_part",
    "list_parts",
    "list_multipart_uploads",
    "complete_multipart_upload",
    "abort_multipart_upload",
    "initiate_job",
    "describe_job",
    "list_jobs",
    "get_job_output",
)
#: The S3 side's operation names (botocore's, prefixed ``s3.``); ``s3.*`` matches them all.
S3_OPERATIONS: tuple[str, ...] = (
    "s3.list_buckets",
    "s3.create_bucket",
    "s3.head_bucket",
    "s3.delete_bucket",
    "s3.get_bucket_location",
    "s3.get_bucket_versioning",
    "s3.put_bucket_versioning",
    "s3.list_objects",
    "s3.list_objects_v2",
    "s3.list_object_versions",
    "s3.list_multipart_uploads",
    "s3.delete_objects",
    "s3.put_object",
    "s3.get_object",
    "s3.head_object",
    "s3.delete_object",
    "s3.restore_object",
    "s3.create_multipart_upload",
    "s3.upload_part",
    "s3.list_parts",
    "s3.complete_multipart_upload",
    "s3.abort_multipart_upload",
)
OPERATIONS += S3_OPERATIONS
_ALIASES = {"upload_multipart_part": "upload_part"}
_ALIASES.update({f"glacier.{name}": name for name in OPERATIONS if not name.startswith("s3.")})

#: Fault kinds of an ``OP:KIND=RATE`` rule.
FAULT_KINDS: tuple[str, ...] = (
    "500",
    "503",
    "throttle",
    "timeout",
    "reset",
    "truncate",
    "slow",
    "drop",
)

_UNITS = {
    "": 1,
    "b": 1,
    "k": 1024,
    "kb": 1024,
    "kib": 1024,
    "m": 1024**2,
    "mb": 1024**2,
    "mib": 1024**2,
    "g": 1024**3,
    "gb": 1024**3,
    "gib": 1024**3,
}
_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*(?:/s)?\s*$")


@dataclass(frozen=True)
class FaultRule:
    """Inject ``kind`` into a fraction ``rate`` of the requests of ``operation`` (or ``*``)."""

    operation: str
    kind: str
    rate: float

    def __post_init__(self) -> None:
        if self.operation not in ("*", "s3.*") and self.operation not in OPERATIONS:
            raise ValueError(
                f"unknown operation {self.operation!r} in fault rule "
                f"(expected '*', 's3.*' or one of: {', '.join(OPERATIONS)})"
            )
        if self.kind not in FAULT_KINDS:
            raise ValueError(
                f"unknown fault kind {self.kind!r} (expected one of: {', '.join(FAULT_KINDS)})"
            )
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"fault rate must be between 0 and 1, got {self.rate}")

    def matches(self, operation: str) -> bool:
        """Whether the rule applies to ``operation``."""
        return self.operation in ("*", operation) or (
            self.operation == "s3.*" and operation.startswith("s3.")
        )


@dataclass(frozen=True)
class FaultPlan:
    """A complete fault plan (see the module docstring for the spec syntax)."""

    seed: int = 0
    rules: tuple[FaultRule, ...] = ()
    job_failure_rate: float = 0.0
    bandwidth: int | None = None
    """Bytes per second per request/response body, or None for no cap."""
    slow_delay: float = 1.0
    """Seconds a ``slow`` fault waits."""

    def __post_init__(self) -> None:
        if not 0.0 <= self.job_failure_rate <= 1.0:
            raise ValueError(
                f"job failure rate must be between 0 and 1, got {self.job_failure_rate}"
            )
        if self.bandwidth is not None and self.bandwidth <= 0:
            raise ValueError(f"bandwidth must be positive, got {self.bandwidth}")
        if self.slow_delay < 0:
            raise ValueError(f"delay must not be negative, got {self.slow_delay}")

    @classmethod
    def parse(cls, spec: str) -> FaultPlan:
        """Parse a spec string; raises ValueError with a precise message when malformed."""
        return parse_fault_spec(spec)

    def to_spec(self) -> str:
        """The spec string of this plan (``parse(plan.to_spec()) == plan``)."""
        items = [f"seed={self.seed}"]
        items += [f"{r.operation}:{r.kind}={r.rate!r}" for r in self.rules]
        if self.job_failure_rate:
            items.append(f"job:fail={self.job_failure_rate!r}")
        if self.bandwidth is not None:
            items.append(f"bandwidth={self.bandwidth}")
        if self.slow_delay != 1.0:
            items.append(f"delay={self.slow_delay!r}")
        return ",".join(items)

    @property
    def active(self) -> bool:
        """Whether the plan can inject anything at all."""
        return bool(any(r.rate > 0 for r in self.rules) or self.job_failure_rate or self.bandwidth)

    def draw(self, key: str) -> float:
        """A deterministic number in [0, 1) for ``key`` under this plan's seed."""
        digest = hashlib.blake2b(f"{self.seed}/{key}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big") / 2.0**64

    def decide(self, operation: str, n: int) -> str | None:
        """The fault for the ``n``-th request of ``operation`` (1-based), or None."""
        for index, rule in enumerate(self.rules):
            if (
                rule.rate > 0
                and rule.matches(operation)
                and self.draw(f"{operation}/{n}/{rule.kind}/{index}") < rule.rate
            ):
                return rule.kind
        return None

    def job_fails(self, n: int) -> bool:
        """Whether the ``n``-th job initiated (1-based) fails."""
        return self.job_failure_rate > 0 and self.draw(f"job/{n}/fail") < self.job_failure_rate


def _parse_rate(text: str, item: str) -> float:
    try:
        rate = float(text)
    except ValueError:
        raise ValueError(f"bad rate {text!r} in fault item {item!r}: expected 0..1") from None
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"bad rate {text!r} in fault item {item!r}: expected 0..1")
    return rate


def _parse_size(text: str, item: str) -> int:
    match = _SIZE_RE.match(text)
    unit = match.group(2).lower() if match else ""
    if not match or unit not in _UNITS:
        raise ValueError(f"bad size {text!r} in fault item {item!r}: expected e.g. 50MiB")
    value = int(float(match.group(1)) * _UNITS[unit])
    if value <= 0:
        raise ValueError(f"bad size {text!r} in fault item {item!r}: must be positive")
    return value


def _parse_seconds(text: str, item: str) -> float:
    value = text.strip().lower()
    scale = 1.0
    if value.endswith("ms"):
        value, scale = value[:-2], 0.001
    elif value.endswith("s"):
        value = value[:-1]
    try:
        seconds = float(value) * scale
    except ValueError:
        raise ValueError(f"bad duration {text!r} in fault item {item!r}") from None
    if seconds < 0:
        raise ValueError(f"bad duration {text!r} in fault item {item!r}")
    return seconds


def parse_fault_spec(spec: str) -> FaultPlan:
    """Parse a fault spec string into a :class:`FaultPlan` (see the module docstring)."""
    seed = 0
    rules: list[FaultRule] = []
    job_failure_rate = 0.0
    bandwidth: int | None = None
    slow_delay = 1.0
    for raw in spec.split(","):
        item = raw.strip()
        if not item:
            continue
        key, sep, value = item.partition("=")
        key = key.strip()
        value = value.strip()
        if not sep or not value:
            raise ValueError(f"fault item {item!r} has no '=VALUE'")
        if key == "seed":
            try:
                seed = int(value)
            except ValueError:
                raise ValueError(f"bad seed {value!r}: expected an integer") from None
        elif key == "bandwidth":
            bandwidth = _parse_size(value, item)
        elif key == "delay":
            slow_delay = _parse_seconds(value, item)
        elif key == "job:fail":
            job_failure_rate = _parse_rate(value, item)
        elif ":" in key:
            operation, _, kind = key.partition(":")
            operation = _ALIASES.get(operation.strip(), operation.strip())
            rules.append(FaultRule(operation, kind.strip(), _parse_rate(value, item)))
        else:
            raise ValueError(
                f"unknown fault item {item!r} (expected seed=, bandwidth=, delay=, job:fail= "
                "or OP:KIND=RATE)"
            )
    return FaultPlan(
        seed=seed,
        rules=tuple(rules),
        job_failure_rate=job_failure_rate,
        bandwidth=bandwidth,
        slow_delay=slow_delay,
    )


@dataclass
class FaultInjector:
    """Counts requests per operation and applies a :class:`FaultPlan` (one per emulator)."""

    plan: FaultPlan
    requests: Counter[str] = field(default_factory=Counter)
    injected: Counter[tuple[str, str]] = field(default_factory=Counter)
    jobs: int = 0
    failed_jobs: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def next_fault(self, operation: str) -> str | None:
        """Count one request of ``operation`` and return the fault to inject, if any."""
        with self._lock:
            self.requests[operation] += 1
            n = self.requests[operation]
        kind = self.plan.decide(operation, n)
        if kind is not None:
            with self._lock:
                self.injected[(operation, kind)] += 1
        return kind

    def next_job_fails(self) -> bool:
        """Count one initiated job and tell whether it must fail."""
        with self._lock:
            self.jobs += 1
            n = self.jobs
        fails = self.plan.job_fails(n)
        if fails:
            with self._lock:
                self.failed_jobs += 1
        return fails

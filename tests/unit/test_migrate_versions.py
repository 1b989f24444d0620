"""The migrate engine on a journal with several live archives of one name (older versions):
every version, oldest first, on a versioned bucket; only the latest, each older one skipped with
its reason, on an unversioned one. Two fake stores, no HTTP (the emulator and moto cover the
wire in tests/e2e/test_migrate_versions.py)."""

from __future__ import annotations

import hashlib
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from aioglacier.backends.base import MIB, Capabilities, ObjectSpec
from aioglacier.backends.fake import FAKE_CAPABILITIES, FakeStore
from aioglacier.costs import load_price_table
from aioglacier.engine.migrate import migrate, plan_migration
from aioglacier.engine.run import OperationResult
from aioglacier.journal import Created, JournalState, read_journal
from aioglacier.polling import Polling
from aioglacier.progress import Event, FileSkipped, Message
from aioglacier.treehash import tree_hash

NOW = 1_700_000_000

BUCKET = Capabilities(
    max_parts=10_000,
    min_part_size=MIB,
    max_part_size=64 * MIB,
    max_single_put=64 * MIB,
    max_object_size=10_000 * 64 * MIB,
    empty_objects=True,
    ranged_tree_hash=False,
    needs_warmup=False,
    object_name="one S3 object",
)

WAIT = Polling(wait=True, poll=lambda n: 0.0)

#: Three versions of one name (the middle one multipart at 1 MiB segments), listed in upload
#: order; the journal's order is by mtime: v1 (mtime 100, uploaded last), v2, v3 (the latest).
V1 = b"first version"
V2 = os.urandom(2 * MIB + 5)
V3 = b"third and latest version"


class Env:
    def __init__(self, tmp_path: Path, *, versioned: bool, **source: Any) -> None:
        self.journal = tmp_path / "J"
        self.new_journal = tmp_path / "J2"
        self.source = FakeStore(target="vault v", **source)
        self.dest = FakeStore(replace(BUCKET, versioned=versioned), target="bucket b")
        self.events: list[Event] = []
        self.lines: list[str] = []

    async def archive(self, name: str, data: bytes, *, time: int, mtime: int) -> Created:
        """Store ``data`` in the vault and append its CREATED line to J."""
        th = tree_hash(data).hex()
        aid = await self.source.backend().put(
            ObjectSpec(name, mtime), data, tree_hash=th, sha256=hashlib.sha256(data).hexdigest()
        )
        line = f"B\t{time}\tCREATED\t{aid}\t{len(data)}\t{mtime}\t{th}\t{name}"
        with self.journal.open("a") as f:
            f.write(line + "\n")
        return Created(time, aid, len(data), mtime, th, name)

    async def three_versions(self) -> list[Created]:
        """f.bin's three versions (journal order) and one single archive, g.txt."""
        v2 = await self.archive("f.bin", V2, time=1010, mtime=200)
        v3 = await self.archive("f.bin", V3, time=1020, mtime=300)
        v1 = await self.archive("f.bin", V1, time=1030, mtime=100)  # an old file, sent last
        await self.archive("g.txt", b"single", time=1040, mtime=400)
        return [v1, v2, v3]

    async def migrate(self, **kw: Any) -> OperationResult:
        kw.setdefault("segment_size", MIB)
        kw.setdefault("concurrency", 4)
        return await migrate(
            self.source.backend(),
            self.dest.backend(),
            journal_path=self.journal,
            new_journal_path=self.new_journal,
            clock=lambda: NOW,
            progress=self.events.append,
            **kw,
        )

    def copies(self, name: str) -> list[bytes]:
        """The destination's objects of ``name`` in the order they were created."""
        return [o.data for o in self.dest.objects.values() if o.spec.name == name]

    def j2(self, name: str) -> list[str]:
        return [
            line for line in self.new_journal.read_text().splitlines() if line.endswith(f"\t{name}")
        ]

    def skips(self) -> list[tuple[str, str]]:
        return [(e.relfilename, e.reason) for e in self.events if isinstance(e, FileSkipped)]


def line(archive_id: str, r: Created) -> str:
    return f"B\t{NOW}\tCREATED\t{archive_id}\t{r.size}\t{r.mtime}\t{r.treehash}\t{r.relfilename}"


def ids(env: Env, name: str) -> list[str]:
    return [aid for aid, o in env.dest.objects.items() if o.spec.name == name]


async def test_a_versioned_bucket_gets_every_version_oldest_first(tmp_path: Path) -> None:
    env = Env(tmp_path, versioned=True)
    v1, v2, v3 = await env.three_versions()
    result = await env.migrate(polling=WAIT)
    assert sorted((o.relfilename, o.status) for o in result.outcomes) == [
        ("f.bin", "done"),
        ("f.bin", "done"),
        ("f.bin", "done"),
        ("g.txt", "done"),
    ]
    assert not result.skipped
    assert not result.failed
    # Created in the journal's order (by mtime), whatever the upload order: the latest last.
    assert env.copies("f.bin") == [V1, V2, V3]
    copied = ids(env, "f.bin")
    assert env.j2("f.bin") == [line(a, r) for a, r in zip(copied, [v1, v2, v3], strict=True)]
    state = read_journal(env.new_journal)
    assert state.files["f.bin"].archive_id == copied[-1]
    assert [r.archive_id for r in state.versions("f.bin")] == copied
    # A rerun copies nothing and asks for nothing.
    warmups = env.source.calls["warmup"]
    again = await env.migrate(polling=WAIT)
    assert sorted(o.detail for o in again.skipped) == sorted(
        f"already in bucket b as {a}" for a in [*copied, *ids(env, "g.txt")]
    )
    assert env.source.calls["warmup"] == warmups


async def test_an_unversioned_bucket_gets_the_latest_and_each_older_one_is_skipped(
    tmp_path: Path,
) -> None:
    env = Env(tmp_path, versioned=False)
    v1, v2, v3 = await env.three_versions()
    result = await env.migrate(polling=WAIT, delete_source=True)
    assert env.copies("f.bin") == [V3]
    assert env.j2("f.bin") == [line(ids(env, "f.bin")[0], v3)]
    reason = (
        "older version (archive {}), not migrated: bucket b keeps no versions (versioning is "
        f"not enabled), so only the latest archive of the name, {v3.archive_id}, is copied; "
        "this one stays in the vault"
    )
    expected = [("f.bin", reason.format(v1.archive_id)), ("f.bin", reason.format(v2.archive_id))]
    assert env.skips() == expected
    assert [(o.relfilename, o.detail, o.archive_id) for o in result.skipped] == [
        ("f.bin", reason.format(v.archive_id), v.archive_id) for v in (v1, v2)
    ]
    # --delete-source deleted the copied archives only: the older versions stay, in J too.
    assert set(env.source.objects) == {v1.archive_id, v2.archive_id}
    assert env.source.calls["warmup"] == 2  # f.bin's latest and g.txt, nothing for the skipped
    state = read_journal(env.journal)
    assert sorted(state.archives) == sorted([v1.archive_id, v2.archive_id])
    # The next run: J's latest of f.bin is now v2, older than the object in the bucket (mtime
    # 300): it is not copied over it, and not deleted.
    again = await env.migrate(polling=WAIT, delete_source=True)
    behind = (
        "older version (archive {}), not migrated: a version with a later mtime (300) is "
        "already in the bucket and copying this one now would make it the current object; "
        "it stays in the vault"
    )
    assert [(o.relfilename, o.detail) for o in again.skipped] == [
        ("f.bin", reason.format(v1.archive_id).replace(v3.archive_id, v2.archive_id)),
        ("f.bin", behind.format(v2.archive_id)),
    ]
    assert env.copies("f.bin") == [V3]
    assert set(env.source.objects) == {v1.archive_id, v2.archive_id}


async def test_a_ready_newer_version_waits_for_the_older_one(tmp_path: Path) -> None:
    env = Env(tmp_path, versioned=True, instant_warmup=False)
    v1 = await env.archive("f.bin", V1, time=1000, mtime=100)
    v3 = await env.archive("f.bin", V3, time=1001, mtime=300)
    first = await env.migrate()
    assert env.source.calls["warmup"] == 2  # both jobs asked at once
    in_progress = "retrieval job in progress: run migrate again later (or use --wait)"
    assert [o.detail for o in first.skipped] == [in_progress, in_progress]
    env.source.finish_warmup(v3.archive_id)  # the newer one's job is done first
    second = await env.migrate()
    assert env.dest.objects == {}
    assert [(o.archive_id, o.detail) for o in second.skipped] == [
        (v1.archive_id, in_progress),
        (
            v3.archive_id,
            f"retrieval job ready, waiting for the older version (archive {v1.archive_id}) "
            "to be copied first: run migrate again later (or use --wait)",
        ),
    ]
    env.source.finish_warmup(v1.archive_id)
    third = await env.migrate()
    assert [(o.archive_id, o.status) for o in third.outcomes] == [
        (v1.archive_id, "done"),
        (v3.archive_id, "done"),
    ]
    assert env.copies("f.bin") == [V1, V3]
    assert env.source.calls["warmup"] == 2


async def test_an_older_version_that_fails_holds_the_newer_ones_back(tmp_path: Path) -> None:
    env = Env(tmp_path, versioned=True)
    env.source.capabilities = replace(FAKE_CAPABILITIES, ranged_tree_hash=False)
    v1 = await env.archive("f.bin", V1, time=1000, mtime=100)
    v3 = await env.archive("f.bin", V3, time=1001, mtime=300)
    env.source.corrupt_reads(v1.archive_id, times=2)  # both reads of v1
    result = await env.migrate(polling=WAIT, delete_source=True)
    assert [(o.archive_id, o.status) for o in result.outcomes] == [
        (v1.archive_id, "failed"),
        (v3.archive_id, "skipped"),
    ]
    assert result.skipped[0].detail == (
        f"newer version (archive {v3.archive_id}), not copied in this run: the older archive "
        f"{v1.archive_id} of the name was not, and versions are copied oldest first; run "
        "migrate again"
    )
    assert env.dest.objects == {}
    assert set(env.source.objects) == {v1.archive_id, v3.archive_id}  # nothing deleted
    again = await env.migrate(polling=WAIT, delete_source=True)
    assert [o.status for o in again.outcomes] == ["done", "done"]
    assert env.copies("f.bin") == [V1, V3]
    assert env.source.objects == {}
    deleted = [ln for ln in env.journal.read_text().splitlines() if "\tDELETED\t" in ln]
    assert deleted == [f"B\t{NOW}\tDELETED\t{v.archive_id}\tf.bin" for v in (v1, v3)]


async def test_the_same_file_uploaded_twice_is_two_versions(tmp_path: Path) -> None:
    env = Env(tmp_path, versioned=True)
    a = await env.archive("f.bin", V1, time=1000, mtime=100)
    b = await env.archive("f.bin", V1, time=1005, mtime=100)
    await env.migrate(polling=WAIT)
    copied = ids(env, "f.bin")
    assert env.j2("f.bin") == [line(copied[0], a), line(copied[1], b)]
    again = await env.migrate(polling=WAIT)
    assert [o.detail for o in again.skipped] == [f"already in bucket b as {c}" for c in copied]
    assert len(env.dest.objects) == 2


def _rec(aid: str, name: str, *, time: int, mtime: int, th: str) -> Created:
    return Created(time, aid, 1, mtime, th * 64, name)


def test_a_version_older_than_one_in_the_bucket_is_never_copied() -> None:
    v1 = _rec("v1", "f", time=1, mtime=10, th="a")
    v2 = _rec("v2", "f", time=2, mtime=20, th="b")
    v3 = _rec("v3", "f", time=3, mtime=30, th="c")
    state = JournalState(files={"f": v3}, archives={"v1": v1, "v2": v2, "v3": v3})
    # J2 holds v2's copy (an earlier migration of the then latest), not v1's.
    c2 = replace(v2, archive_id="s3v:2", time=50)
    done = JournalState(files={"f": c2}, archives={"s3v:2": c2})
    plan = plan_migration(state, done, versioned=True, dest_target="bucket b")
    assert plan.chains == [[v3]]
    assert [(r.archive_id, why) for r, why in plan.skipped] == [
        (
            "v1",
            "older version (archive v1), not migrated: a newer version (archive v2) is "
            "already in the bucket and copying this one now would make it the current "
            "object; it stays in the vault",
        ),
        ("v2", "already in bucket b as s3v:2"),
    ]


def test_the_plans_latest_is_the_journals(tmp_path: Path) -> None:
    """Ties of mtime go by upload time, then journal order: the chain ends with the archive
    replay takes as the name's latest."""
    journal = tmp_path / "J"
    journal.write_text(
        "".join(
            f"B\t{t}\tCREATED\t{aid}\t1\t{m}\t{th * 64}\tf\n"
            for aid, t, m, th in [("a", 5, 10, "a"), ("b", 3, 10, "b"), ("c", 3, 10, "c")]
        )
        + "B\t6\tCREATED\td\t1\t9\t"
        + "d" * 64
        + "\tf\n"
    )
    state = read_journal(journal)
    plan = plan_migration(state, JournalState(), versioned=True, dest_target="bucket b")
    [chain] = plan.chains
    assert [r.archive_id for r in chain] == ["d", "b", "c", "a"]
    assert chain[-1] == state.files["f"]
    assert chain == state.versions("f")


async def test_dry_run_lists_each_version_and_says_which_are_not_migrated(
    tmp_path: Path,
) -> None:
    env = Env(tmp_path, versioned=False)
    v1, v2, v3 = await env.three_versions()
    result = await env.migrate(dry_run=True, price_table=load_price_table(None))
    assert [o.archive_id for o in result.planned] == [v3.archive_id, env_g(env)]
    assert [o.archive_id for o in result.skipped] == [v1.archive_id, v2.archive_id]
    texts = [e.text for e in env.events if isinstance(e, Message)]
    size = len(V1) + len(V2)
    [left] = [t for t in texts if t.startswith("  not migrated: ")]
    assert left.startswith(
        f"  not migrated: 2 older versions ({size:,} bytes), each skipped with its reason, "
        "stay in the vault: $"
    )
    assert left.endswith(" per month")


def env_g(env: Env) -> str:
    return read_journal(env.journal).files["g.txt"].archive_id


async def test_dry_run_on_a_versioned_bucket_lists_every_version_oldest_first(
    tmp_path: Path,
) -> None:
    env = Env(tmp_path, versioned=True)
    v1, v2, v3 = await env.three_versions()
    result = await env.migrate(dry_run=True, price_table=load_price_table(None))
    assert [o.detail for o in result.planned] == [
        f"Will MIGRATE archive {r.archive_id} (file {r.relfilename})"
        for r in (v1, v2, v3, read_journal(env.journal).files["g.txt"])
    ]
    assert result.skipped == []
    texts = [e.text for e in env.events if isinstance(e, Message)]
    assert not any(t.startswith("  not migrated: ") for t in texts)
    assert dict(env.dest.calls) == {}

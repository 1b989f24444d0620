"""``restore`` on a bucket extends a restored copy about to expire (a new RestoreObject, which
S3 answers 200) instead of skipping it: against moto and the emulator's S3."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from s3_helpers import RESTORE_DELAY, Target, backend_on, put

from aioglacier.backends.base import ObjectSpec
from aioglacier.backends.s3 import S3Api
from aioglacier.engine.restore import RETRIEVE_JOB_WINDOW, start_restore
from aioglacier.journal import Created, format_record


async def test_a_restored_copy_about_to_expire_is_extended(
    api: S3Api, target: Target, tmp_path: Path
) -> None:
    backend = await backend_on(api, "DEEP_ARCHIVE")
    obj = await put(backend, b"archived bytes", ObjectSpec("f.txt", 1_000_000))
    journal, dst = tmp_path / "journal", tmp_path / "dst"
    dst.mkdir()
    record = Created(1, obj.archive_id, obj.size, 1_000_000, obj.tree_hash, "f.txt")
    journal.write_text(format_record(record))

    async def restore(now: float) -> list[tuple[str, str]]:
        result = await start_restore(
            backend, base_dir=dst, journal_path=journal, max_number_of_files=5, clock=lambda: now
        )
        return [(o.status, o.detail) for o in result.outcomes]

    assert await restore(time.time()) == [("done", "job restore:Standard:7")]
    await target.finish_restores()
    key = backend.key("f.txt")
    before = (await api.head_object(backend.bucket, key)).restore.expiry
    assert before is not None
    expires = before.timestamp()

    # A day and more before the expiry: a restored copy is a state; nothing is asked.
    assert await restore(expires - RETRIEVE_JOB_WINDOW - 60) == [
        ("skipped", "retrieval job restore:Standard:7 completed: run restore-completed")
    ]
    # Within the window: asked again, which extends it.
    stamp = datetime.fromtimestamp(expires, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert await restore(expires - 3600) == [
        (
            "done",
            f"job restore:Standard:7 (extends the restored copy that expires at {stamp})",
        )
    ]
    lines = journal.read_text().splitlines()
    assert [line.split("\t")[2] for line in lines] == ["CREATED", "RETRIEVE_JOB", "RETRIEVE_JOB"]
    assert lines[-1].split("\t")[3:] == [obj.archive_id, "restore:Standard:7"]
    after = (await api.head_object(backend.bucket, key)).restore.expiry
    assert after is not None
    if RESTORE_DELAY in target.server.missing:  # moto: restored at once, expiry from now
        assert after >= before
    else:  # the emulator's clock is 49 hours on: 7 days from then is later
        assert after > before

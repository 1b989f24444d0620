# ruff: noqa: S608  (queries interpolate constant column lists only; values are bound)
"""The Glacier side's tables and files, in the emulator's shared database.

Layout under ``data_dir``::

    emulator.sqlite3      metadata (shared with the S3 side), including the completed multipart
                          uploads a repeated Complete still answers for
    archives/<archive id> archive bytes
    uploads/<upload id>   one sparse file per multipart upload; parts are written at their offset
    jobs/<job id>         job output: a hard link to the archive (archive retrieval) or the
                          inventory document (inventory retrieval)
    tmp/                  single-request uploads being received

Every call goes through the database's group commit, so acknowledged means durable (see
:mod:`aioglacier.emulator.storage`). On open, files that no committed metadata names (left by a
crash between rename and commit) and temporary files are removed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from aioglacier.emulator.glacier.errors import invalid_parameter, not_found
from aioglacier.emulator.glacier.models import (
    ArchiveRecord,
    CompletedUpload,
    JobRecord,
    PartRecord,
    UploadRecord,
    VaultRecord,
    vault_arn,
)
from aioglacier.emulator.ids import format_date
from aioglacier.emulator.storage import Database, Tx, record_from_row, record_row, remove_orphans

__all__ = ["GlacierStore"]

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS vaults (
        name TEXT PRIMARY KEY,
        region TEXT NOT NULL,
        account TEXT NOT NULL,
        created TEXT NOT NULL,
        last_inventory TEXT,
        num_archives INTEGER NOT NULL DEFAULT 0,
        size INTEGER NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE IF NOT EXISTS archives (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        vault TEXT NOT NULL,
        description TEXT NOT NULL,
        created TEXT NOT NULL,
        size INTEGER NOT NULL,
        tree_hash TEXT NOT NULL,
        leaves BLOB
    )""",
    """CREATE INDEX IF NOT EXISTS archives_by_vault ON archives (vault, seq)""",
    """CREATE TABLE IF NOT EXISTS uploads (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        vault TEXT NOT NULL,
        arn TEXT NOT NULL,
        description TEXT NOT NULL,
        part_size INTEGER NOT NULL,
        created TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS completed_uploads (
        id TEXT PRIMARY KEY,
        vault TEXT NOT NULL,
        archive_id TEXT NOT NULL,
        size INTEGER NOT NULL,
        tree_hash TEXT NOT NULL,
        completed_ts REAL NOT NULL
    )""",
    """CREATE INDEX IF NOT EXISTS completed_uploads_by_time ON completed_uploads (completed_ts)""",
    """CREATE INDEX IF NOT EXISTS completed_uploads_by_archive ON completed_uploads (archive_id)""",
    """CREATE TABLE IF NOT EXISTS parts (
        upload_id TEXT NOT NULL,
        start INTEGER NOT NULL,
        size INTEGER NOT NULL,
        tree_hash TEXT NOT NULL,
        leaves BLOB,
        PRIMARY KEY (upload_id, start)
    )""",
    """CREATE TABLE IF NOT EXISTS jobs (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        vault TEXT NOT NULL,
        vault_arn TEXT NOT NULL,
        action TEXT NOT NULL,
        description TEXT,
        created_ts REAL NOT NULL,
        complete_ts REAL NOT NULL,
        failed INTEGER NOT NULL,
        sns_topic TEXT,
        tier TEXT,
        archive_id TEXT,
        archive_size INTEGER,
        archive_tree_hash TEXT,
        range_start INTEGER,
        range_end INTEGER,
        range_tree_hash TEXT,
        leaves BLOB,
        archive_description TEXT,
        inventory_format TEXT,
        inventory_size INTEGER,
        inventory_params TEXT
    )""",
    """CREATE INDEX IF NOT EXISTS jobs_by_vault ON jobs (vault, seq)""",
)

_JOB_COLUMNS = (
    "id, vault, vault_arn, action, description, created_ts, complete_ts, failed, sns_topic, "
    "tier, archive_id, archive_size, archive_tree_hash, range_start, range_end, "
    "range_tree_hash, leaves, archive_description, inventory_format, inventory_size, "
    "inventory_params"
)
_VAULT_COLUMNS = "name, region, account, created, last_inventory, num_archives, size"
_ARCHIVE_COLUMNS = "id, vault, description, created, size, tree_hash, leaves"
_UPLOAD_COLUMNS = "id, vault, arn, description, part_size, created"


def _ts(dt: datetime) -> float:
    return dt.timestamp()


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _job_from_row(row: tuple[Any, ...]) -> JobRecord:
    return record_from_row(JobRecord, row, created_at=_dt, complete_at=_dt, failed=bool)


def _job_row(job: JobRecord) -> tuple[Any, ...]:
    return record_row(job, created_at=_ts, complete_at=_ts, failed=int)


class GlacierStore:
    """Vaults, archives, multipart uploads and jobs. Every method is a coroutine; nothing
    blocks the loop.

    ``vaults`` and ``uploads`` are in-memory caches of the immutable part of those records,
    kept in step with the database by the loop thread (existence checks on the hot path cost no
    thread hop). Counts, parts, archives and jobs always come from sqlite.
    """

    def __init__(self, db: Database, *, account: str) -> None:
        self.db = db
        self.data_dir = db.data_dir
        self.account = account
        self.archives_dir = self.data_dir / "archives"
        self.uploads_dir = self.data_dir / "uploads"
        self.jobs_dir = self.data_dir / "jobs"
        self.tmp_dir = self.data_dir / "tmp"
        self.vaults: dict[str, VaultRecord] = {}
        self.uploads: dict[str, UploadRecord] = {}

    async def open(self) -> None:
        """Create the tables and directories, drop crash leftovers, load the caches. The
        :class:`Database` must be open."""

        def op(tx: Tx) -> tuple[list[VaultRecord], list[UploadRecord]]:
            for d in (self.archives_dir, self.uploads_dir, self.jobs_dir, self.tmp_dir):
                d.mkdir(parents=True, exist_ok=True)
            tx.create_tables(_SCHEMA)
            remove_orphans(self.tmp_dir)
            for directory, table in (
                (self.archives_dir, "archives"),
                (self.uploads_dir, "uploads"),
                (self.jobs_dir, "jobs"),
            ):
                known = {row[0] for row in tx.conn.execute(f"SELECT id FROM {table}")}
                remove_orphans(directory, known)
            vaults = [
                VaultRecord(*row) for row in tx.conn.execute(f"SELECT {_VAULT_COLUMNS} FROM vaults")
            ]
            uploads = [
                UploadRecord(*row)
                for row in tx.conn.execute(f"SELECT {_UPLOAD_COLUMNS} FROM uploads")
            ]
            return vaults, uploads

        vaults, uploads = await self.db.call(op)
        self.vaults = {v.name: v for v in vaults}
        self.uploads = {u.upload_id: u for u in uploads}

    # -- vaults --------------------------------------------------------------------------------

    async def create_vault(self, name: str, region: str, created: str) -> VaultRecord:
        """Create a vault (creating an existing vault is not an error: it returns it)."""

        def op(tx: Tx) -> VaultRecord:
            row = tx.conn.execute(
                f"SELECT {_VAULT_COLUMNS} FROM vaults WHERE name = ?", (name,)
            ).fetchone()
            if row is not None:
                return VaultRecord(*row)
            tx.conn.execute(
                "INSERT INTO vaults (name, region, account, created) VALUES (?, ?, ?, ?)",
                (name, region, self.account, created),
            )
            return VaultRecord(name, region, self.account, created)

        record = await self.db.call(op)
        self.vaults[name] = record
        return record

    async def describe_vault(self, name: str) -> VaultRecord | None:
        """The vault with its live counts, or None."""

        def op(tx: Tx) -> VaultRecord | None:
            row = tx.conn.execute(
                f"SELECT {_VAULT_COLUMNS} FROM vaults WHERE name = ?", (name,)
            ).fetchone()
            return None if row is None else VaultRecord(*row)

        return await self.db.call(op)

    async def list_vaults(self, start: str | None, limit: int) -> list[VaultRecord]:
        """Up to ``limit`` vaults in name order, from the vault named ``start`` on."""

        def op(tx: Tx) -> list[VaultRecord]:
            rows = tx.conn.execute(
                f"SELECT {_VAULT_COLUMNS} FROM vaults WHERE name >= ? ORDER BY name LIMIT ?",
                (start or "", limit),
            ).fetchall()
            return [VaultRecord(*row) for row in rows]

        return await self.db.call(op)

    async def delete_vault(self, name: str) -> None:
        """Delete an empty vault (its unfinished uploads and its jobs go with it)."""

        def op(tx: Tx) -> None:
            row = tx.conn.execute(
                "SELECT region, num_archives FROM vaults WHERE name = ?", (name,)
            ).fetchone()
            if row is None:
                raise not_found(f"Vault not found for ARN: {self._arn(name)}")
            if row[1] > 0:
                arn = vault_arn(row[0], self.account, name)
                raise invalid_parameter(f"Vault not empty or recently written to: {arn}")
            uploads = [
                r[0] for r in tx.conn.execute("SELECT id FROM uploads WHERE vault = ?", (name,))
            ]
            jobs = [r[0] for r in tx.conn.execute("SELECT id FROM jobs WHERE vault = ?", (name,))]
            for upload_id in uploads:
                tx.conn.execute("DELETE FROM parts WHERE upload_id = ?", (upload_id,))
            tx.conn.execute("DELETE FROM uploads WHERE vault = ?", (name,))
            tx.conn.execute("DELETE FROM jobs WHERE vault = ?", (name,))
            tx.conn.execute("DELETE FROM vaults WHERE name = ?", (name,))
            paths = [self.uploads_dir / u for u in uploads] + [self.jobs_dir / j for j in jobs]
            tx.unlink_after_commit(paths)

        await self.db.call(op)
        self.vaults.pop(name, None)
        for upload_id in [u for u, rec in self.uploads.items() if rec.vault == name]:
            del self.uploads[upload_id]

    # -- archives ------------------------------------------------------------------------------

    async def add_archive(self, archive: ArchiveRecord, received: Path) -> None:
        """Move the fsynced file ``received`` into place and record the archive."""
        final = self.archives_dir / archive.archive_id

        def op(tx: Tx) -> None:
            if not _vault_exists(tx, archive.vault):
                raise not_found(f"Vault not found for ARN: {self._arn(archive.vault)}")
            tx.install(received, final)
            _insert_archive(tx, archive)

        try:
            await self.db.call(op)
        except BaseException:
            await self.db.offload(partial(received.unlink, missing_ok=True))
            raise

    async def delete_archive(self, vault: str, archive_id: str) -> None:
        """Delete an archive (ResourceNotFoundException when it is not in ``vault``)."""

        def op(tx: Tx) -> None:
            row = tx.conn.execute(
                "SELECT size FROM archives WHERE id = ? AND vault = ?", (archive_id, vault)
            ).fetchone()
            if row is None:
                raise not_found(f"Archive not found for ArchiveId: {archive_id}")
            tx.conn.execute("DELETE FROM archives WHERE id = ?", (archive_id,))
            # a repeated Complete of its upload must not name an archive that is gone
            tx.conn.execute("DELETE FROM completed_uploads WHERE archive_id = ?", (archive_id,))
            tx.conn.execute(
                "UPDATE vaults SET num_archives = num_archives - 1, size = size - ? WHERE name = ?",
                (row[0], vault),
            )
            path = self.archives_dir / archive_id
            tx.unlink_after_commit([path])

        await self.db.call(op)

    async def get_archive(self, vault: str, archive_id: str) -> ArchiveRecord | None:
        """An archive of ``vault``, or None."""

        def op(tx: Tx) -> ArchiveRecord | None:
            row = tx.conn.execute(
                f"SELECT {_ARCHIVE_COLUMNS} FROM archives WHERE id = ? AND vault = ?",
                (archive_id, vault),
            ).fetchone()
            return None if row is None else ArchiveRecord(*row)

        return await self.db.call(op)

    async def list_archives(self, vault: str) -> list[ArchiveRecord]:
        """Every archive of ``vault``, oldest first."""

        def op(tx: Tx) -> list[ArchiveRecord]:
            return _archives_of(tx, vault)

        return await self.db.call(op)

    def archive_path(self, archive_id: str) -> Path:
        """Where an archive's bytes live."""
        return self.archives_dir / archive_id

    # -- multipart uploads ---------------------------------------------------------------------

    async def create_upload(self, upload: UploadRecord) -> None:
        """Record a new multipart upload and create its (empty, sparse) file."""
        path = self.uploads_dir / upload.upload_id

        def op(tx: Tx) -> None:
            if not _vault_exists(tx, upload.vault):
                raise not_found(f"Vault not found for ARN: {upload.arn}")
            tx.create_file(path, b"")
            tx.conn.execute(
                f"INSERT INTO uploads ({_UPLOAD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    upload.upload_id,
                    upload.vault,
                    upload.arn,
                    upload.description,
                    upload.part_size,
                    upload.created,
                ),
            )

        await self.db.call(op)
        self.uploads[upload.upload_id] = upload

    def upload_path(self, upload_id: str) -> Path:
        """The sparse file of a multipart upload."""
        return self.uploads_dir / upload_id

    async def list_uploads(self, vault: str, start: str | None, limit: int) -> list[UploadRecord]:
        """Up to ``limit`` uploads of ``vault`` in creation order, from upload id ``start`` on.

        Raises InvalidParameterValueException when ``start`` is not an upload of the vault.
        """

        def op(tx: Tx) -> list[UploadRecord]:
            first = 0
            if start is not None:
                row = tx.conn.execute(
                    "SELECT seq FROM uploads WHERE id = ? AND vault = ?", (start, vault)
                ).fetchone()
                if row is None:
                    raise invalid_parameter(f"Invalid marker: '{start}'")
                first = row[0]
            rows = tx.conn.execute(
                f"SELECT {_UPLOAD_COLUMNS} FROM uploads WHERE vault = ? AND seq >= ? "
                "ORDER BY seq LIMIT ?",
                (vault, first, limit),
            ).fetchall()
            return [UploadRecord(*row) for row in rows]

        return await self.db.call(op)

    async def get_parts(self, upload_id: str) -> list[PartRecord]:
        """Every part of an upload, by offset."""

        def op(tx: Tx) -> list[PartRecord]:
            return _parts_of(tx, upload_id)

        return await self.db.call(op)

    async def put_part(self, upload_id: str, part: PartRecord) -> None:
        """Record (or replace) the part at ``part.start``."""

        def op(tx: Tx) -> None:
            if (
                tx.conn.execute("SELECT 1 FROM uploads WHERE id = ?", (upload_id,)).fetchone()
                is None
            ):
                raise not_found(f"The upload ID was not found: {upload_id}")
            tx.conn.execute(
                "INSERT OR REPLACE INTO parts (upload_id, start, size, tree_hash, leaves) "
                "VALUES (?, ?, ?, ?, ?)",
                (upload_id, part.start, part.size, part.tree_hash, part.leaves),
            )

        await self.db.call(op)

    async def forget_part(self, upload_id: str, start: int) -> None:
        """Drop the record of the part at ``start`` (its bytes are about to be overwritten)."""

        def op(tx: Tx) -> None:
            tx.conn.execute(
                "DELETE FROM parts WHERE upload_id = ? AND start = ?", (upload_id, start)
            )

        await self.db.call(op)

    async def complete_upload(
        self, upload_id: str, archive: ArchiveRecord, *, now: datetime, forget_before: datetime
    ) -> None:
        """Turn an upload's file into an archive (rename) and drop the upload.

        The completion is remembered (durably, in the same transaction) for
        :meth:`completed_upload`; remembered completions older than ``forget_before`` are
        dropped.
        """
        source = self.uploads_dir / upload_id
        final = self.archives_dir / archive.archive_id

        def op(tx: Tx) -> None:
            if (
                tx.conn.execute("SELECT 1 FROM uploads WHERE id = ?", (upload_id,)).fetchone()
                is None
            ):
                raise not_found(f"The upload ID was not found: {upload_id}")
            if not _vault_exists(tx, archive.vault):
                raise not_found(f"Vault not found for ARN: {self._arn(archive.vault)}")
            os.rename(source, final)
            tx.undo.append(lambda: os.rename(final, source))
            tx.sync_dir(self.archives_dir)
            tx.sync_dir(self.uploads_dir)
            _insert_archive(tx, archive)
            tx.conn.execute("DELETE FROM parts WHERE upload_id = ?", (upload_id,))
            tx.conn.execute("DELETE FROM uploads WHERE id = ?", (upload_id,))
            tx.conn.execute(
                "DELETE FROM completed_uploads WHERE completed_ts < ?", (_ts(forget_before),)
            )
            tx.conn.execute(
                "INSERT INTO completed_uploads (id, vault, archive_id, size, tree_hash, "
                "completed_ts) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    upload_id,
                    archive.vault,
                    archive.archive_id,
                    archive.size,
                    archive.tree_hash,
                    _ts(now),
                ),
            )

        await self.db.call(op)
        self.uploads.pop(upload_id, None)

    async def completed_upload(
        self, vault: str, upload_id: str, *, not_before: datetime
    ) -> CompletedUpload | None:
        """The completion of upload ``upload_id`` of ``vault`` if it happened at or after
        ``not_before`` (and its archive still exists), else None."""

        def op(tx: Tx) -> CompletedUpload | None:
            row = tx.conn.execute(
                "SELECT id, vault, archive_id, size, tree_hash, completed_ts "
                "FROM completed_uploads WHERE id = ? AND vault = ? AND completed_ts >= ?",
                (upload_id, vault, _ts(not_before)),
            ).fetchone()
            if row is None:
                return None
            return CompletedUpload(row[0], row[1], row[2], row[3], row[4], _dt(row[5]))

        return await self.db.call(op)

    async def abort_upload(self, upload_id: str) -> None:
        """Drop an upload and its parts."""
        path = self.uploads_dir / upload_id

        def op(tx: Tx) -> None:
            if (
                tx.conn.execute("SELECT 1 FROM uploads WHERE id = ?", (upload_id,)).fetchone()
                is None
            ):
                raise not_found(f"The upload ID was not found: {upload_id}")
            tx.conn.execute("DELETE FROM parts WHERE upload_id = ?", (upload_id,))
            tx.conn.execute("DELETE FROM uploads WHERE id = ?", (upload_id,))
            tx.unlink_after_commit([path])

        await self.db.call(op)
        self.uploads.pop(upload_id, None)

    # -- jobs ----------------------------------------------------------------------------------

    async def create_archive_job(
        self, vault: str, archive_id: str, make: Callable[[ArchiveRecord], JobRecord]
    ) -> JobRecord:
        """Start an archive retrieval: ``make`` builds (and validates) the job from the archive;
        the archive's bytes are hard-linked as the job's output (they survive a deletion)."""

        def op(tx: Tx) -> JobRecord:
            row = tx.conn.execute(
                f"SELECT {_ARCHIVE_COLUMNS} FROM archives WHERE id = ? AND vault = ?",
                (archive_id, vault),
            ).fetchone()
            if row is None:
                raise not_found(f"Archive not found for ArchiveId: {archive_id}")
            job = make(ArchiveRecord(*row))
            output = self.jobs_dir / job.job_id
            tx.link(self.archives_dir / archive_id, output)
            _insert_job(tx, job)
            return job

        return await self.db.call(op)

    async def create_inventory_job(
        self,
        vault: str,
        make: Callable[[VaultRecord, list[ArchiveRecord]], tuple[JobRecord, bytes]],
    ) -> JobRecord:
        """Start an inventory retrieval: ``make`` renders the vault as it is now."""

        def op(tx: Tx) -> JobRecord:
            row = tx.conn.execute(
                f"SELECT {_VAULT_COLUMNS} FROM vaults WHERE name = ?", (vault,)
            ).fetchone()
            if row is None:
                raise not_found(f"Vault not found for ARN: {self._arn(vault)}")
            job, document = make(VaultRecord(*row), _archives_of(tx, vault))
            output = self.jobs_dir / job.job_id
            tx.create_file(output, document)
            _insert_job(tx, job)
            return job

        return await self.db.call(op)

    async def get_job(self, vault: str, job_id: str) -> JobRecord | None:
        """A job of ``vault``, or None."""

        def op(tx: Tx) -> JobRecord | None:
            row = tx.conn.execute(
                f"SELECT {_JOB_COLUMNS} FROM jobs WHERE id = ? AND vault = ?", (job_id, vault)
            ).fetchone()
            return None if row is None else _job_from_row(row)

        return await self.db.call(op)

    async def list_jobs(self, vault: str, now: datetime) -> list[JobRecord]:
        """Every unexpired job of ``vault`` in creation order (expired ones are deleted)."""

        def op(tx: Tx) -> list[JobRecord]:
            jobs = [
                _job_from_row(row)
                for row in tx.conn.execute(
                    f"SELECT {_JOB_COLUMNS} FROM jobs WHERE vault = ? ORDER BY seq", (vault,)
                )
            ]
            expired = [job.job_id for job in jobs if job.expired(now)]
            if expired:
                tx.conn.executemany("DELETE FROM jobs WHERE id = ?", [(j,) for j in expired])
                paths = [self.jobs_dir / j for j in expired]
                tx.unlink_after_commit(paths)
            return [job for job in jobs if not job.expired(now)]

        return await self.db.call(op)

    async def list_jobs_page(
        self,
        vault: str,
        now: datetime,
        marker: str | None,
        limit: int,
        keep: Callable[[JobRecord], bool],
    ) -> tuple[list[JobRecord], str | None] | None:
        """One page of List Jobs: up to ``limit`` unexpired jobs that ``keep`` accepts, from
        ``marker`` (inclusive) in creation order, and the marker of the next page. None when
        the marker is not a job of ``vault``. Reads only what the page needs, so paging through
        thousands of jobs stays linear."""

        def op(tx: Tx) -> tuple[list[JobRecord], str | None] | None:
            start = -1
            if marker is not None:
                row = tx.conn.execute(
                    "SELECT seq FROM jobs WHERE id = ? AND vault = ?", (marker, vault)
                ).fetchone()
                if row is None:
                    return None
                start = int(row[0])
            page: list[JobRecord] = []
            expired: list[str] = []
            following: str | None = None
            cursor = tx.conn.execute(
                f"SELECT {_JOB_COLUMNS} FROM jobs WHERE vault = ? AND seq >= ? ORDER BY seq",
                (vault, start),
            )
            for row in cursor:
                job = _job_from_row(row)
                if job.expired(now):
                    expired.append(job.job_id)
                    continue
                if not keep(job):
                    continue
                if len(page) == limit:
                    following = job.job_id
                    break
                page.append(job)
            cursor.close()
            if expired:
                tx.conn.executemany("DELETE FROM jobs WHERE id = ?", [(j,) for j in expired])
                paths = [self.jobs_dir / j for j in expired]
                tx.unlink_after_commit(paths)
            return page, following

        return await self.db.call(op)

    def job_output_path(self, job_id: str) -> Path:
        """Where a job's output lives."""
        return self.jobs_dir / job_id

    # -- helpers -------------------------------------------------------------------------------

    def _arn(self, vault: str) -> str:
        cached = self.vaults.get(vault)
        return vault_arn(cached.region if cached else "us-east-1", self.account, vault)


def _vault_exists(tx: Tx, vault: str) -> bool:
    return tx.conn.execute("SELECT 1 FROM vaults WHERE name = ?", (vault,)).fetchone() is not None


def _insert_archive(tx: Tx, archive: ArchiveRecord) -> None:
    tx.conn.execute(
        f"INSERT INTO archives ({_ARCHIVE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            archive.archive_id,
            archive.vault,
            archive.description,
            archive.created,
            archive.size,
            archive.tree_hash,
            archive.leaves,
        ),
    )
    tx.conn.execute(
        "UPDATE vaults SET num_archives = num_archives + 1, size = size + ? WHERE name = ?",
        (archive.size, archive.vault),
    )


def _archives_of(tx: Tx, vault: str) -> list[ArchiveRecord]:
    return [
        ArchiveRecord(*row)
        for row in tx.conn.execute(
            f"SELECT {_ARCHIVE_COLUMNS} FROM archives WHERE vault = ? ORDER BY seq", (vault,)
        )
    ]


def _parts_of(tx: Tx, upload_id: str) -> list[PartRecord]:
    return [
        PartRecord(*row)
        for row in tx.conn.execute(
            "SELECT start, size, tree_hash, leaves FROM parts WHERE upload_id = ? ORDER BY start",
            (upload_id,),
        )
    ]


def _insert_job(tx: Tx, job: JobRecord) -> None:
    placeholders = ", ".join("?" * 21)
    tx.conn.execute(f"INSERT INTO jobs ({_JOB_COLUMNS}) VALUES ({placeholders})", _job_row(job))
    if job.action == "InventoryRetrieval":
        tx.conn.execute(
            "UPDATE vaults SET last_inventory = ? WHERE name = ?",
            (format_date(job.created_at), job.vault),
        )

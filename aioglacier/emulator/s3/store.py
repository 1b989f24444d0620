# ruff: noqa: S608  (queries interpolate constant column lists only; values are bound)
"""Durable storage of the S3 side: tables in the emulator's sqlite database, one file per blob.

Layout under ``data_dir``::

    s3/blobs/<blob id>   the bytes of a PutObject, or of one part of a multipart upload
    s3/tmp/              bodies being received

Every call goes through the emulator's :class:`~aioglacier.emulator.storage.Database` (its
sqlite thread, its group commit), so the rules are the vault side's: a body is fsynced, renamed into
``blobs/``, the directory fsynced and the metadata naming it committed before the answer is
sent. A completed multipart upload keeps its parts' files as the object's segments (no copy).
Files no longer named by committed metadata are unlinked after the commit; files no committed
metadata names (a crash between rename and commit) are removed on open.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aioglacier.emulator.s3.errors import (
    S3Error,
    invalid_argument,
    no_such_bucket,
    no_such_key,
    no_such_upload,
)
from aioglacier.emulator.s3.models import (
    BucketRecord,
    ObjectRecord,
    PartEntry,
    S3UploadRecord,
)
from aioglacier.emulator.storage import Database, Tx, record_from_row, record_row, remove_orphans

__all__ = ["ListPage", "S3Store", "VersionPage"]

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS s3_buckets (
        name TEXT PRIMARY KEY,
        region TEXT NOT NULL,
        created REAL NOT NULL,
        versioning TEXT
    )""",
    """CREATE TABLE IF NOT EXISTS s3_objects (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        bucket TEXT NOT NULL,
        key TEXT NOT NULL,
        version_id TEXT NOT NULL,
        is_latest INTEGER NOT NULL,
        delete_marker INTEGER NOT NULL,
        size INTEGER NOT NULL,
        etag TEXT NOT NULL,
        last_modified REAL NOT NULL,
        storage_class TEXT NOT NULL,
        content_type TEXT,
        metadata TEXT NOT NULL,
        headers TEXT NOT NULL,
        checksum_algorithm TEXT,
        checksum TEXT,
        checksum_type TEXT,
        part_sizes TEXT,
        blobs TEXT NOT NULL,
        restore_tier TEXT,
        restore_complete REAL,
        restore_expiry REAL
    )""",
    "CREATE UNIQUE INDEX IF NOT EXISTS s3_objects_version ON s3_objects (bucket, key, version_id)",
    "CREATE INDEX IF NOT EXISTS s3_objects_latest ON s3_objects (bucket, key) WHERE is_latest = 1",
    "CREATE INDEX IF NOT EXISTS s3_objects_history ON s3_objects (bucket, key, seq)",
    """CREATE TABLE IF NOT EXISTS s3_uploads (
        upload_id TEXT PRIMARY KEY,
        bucket TEXT NOT NULL,
        key TEXT NOT NULL,
        created REAL NOT NULL,
        storage_class TEXT NOT NULL,
        content_type TEXT,
        metadata TEXT NOT NULL,
        headers TEXT NOT NULL,
        checksum_algorithm TEXT,
        checksum_type TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS s3_uploads_by_key ON s3_uploads (bucket, key, created)",
    """CREATE TABLE IF NOT EXISTS s3_parts (
        upload_id TEXT NOT NULL,
        part_number INTEGER NOT NULL,
        size INTEGER NOT NULL,
        etag TEXT NOT NULL,
        checksum TEXT,
        blob TEXT NOT NULL,
        last_modified REAL NOT NULL,
        md5 BLOB NOT NULL,
        PRIMARY KEY (upload_id, part_number)
    )""",
    """CREATE TABLE IF NOT EXISTS s3_completed (
        upload_id TEXT PRIMARY KEY,
        bucket TEXT NOT NULL,
        key TEXT NOT NULL,
        parts TEXT NOT NULL,
        result TEXT NOT NULL,
        completed REAL NOT NULL
    )""",
)

_OBJECT_COLUMNS = (
    "seq, bucket, key, version_id, is_latest, delete_marker, size, etag, last_modified, "
    "storage_class, content_type, metadata, headers, checksum_algorithm, checksum, "
    "checksum_type, part_sizes, blobs, restore_tier, restore_complete, restore_expiry"
)
_UPLOAD_COLUMNS = (
    "upload_id, bucket, key, created, storage_class, content_type, metadata, headers, "
    "checksum_algorithm, checksum_type"
)
_PART_COLUMNS = "part_number, size, etag, checksum, blob, last_modified, md5"
#: How long a completed upload's answer is kept for a repeated Complete (service clock).
COMPLETED_RETENTION = 3600.0


def _object_from_row(row: tuple[Any, ...]) -> ObjectRecord:
    return record_from_row(
        ObjectRecord,
        row,
        is_latest=bool,
        delete_marker=bool,
        metadata=json.loads,
        headers=json.loads,
        part_sizes=_part_sizes,
        blobs=_blobs,
    )


def _object_row(record: ObjectRecord) -> tuple[Any, ...]:
    return record_row(
        record,
        is_latest=int,
        delete_marker=int,
        metadata=json.dumps,
        headers=json.dumps,
        part_sizes=lambda sizes: json.dumps(list(sizes)) if sizes is not None else None,
        blobs=" ".join,
    )


def _part_sizes(stored: str | None) -> tuple[int, ...] | None:
    return tuple(json.loads(stored)) if stored is not None else None


def _blobs(stored: str) -> tuple[str, ...]:
    return tuple(stored.split()) if stored else ()


def _upload_from_row(row: tuple[Any, ...]) -> S3UploadRecord:
    return record_from_row(S3UploadRecord, row, metadata=json.loads, headers=json.loads)


def _part_from_row(row: tuple[Any, ...]) -> PartEntry:
    return record_from_row(PartEntry, row, md5=bytes)


class ListPage:
    """One page of a listing: ``objects``, ``prefixes`` (common prefixes), ``truncated`` and
    ``last`` (the last key or prefix returned: the next page starts after it)."""

    def __init__(self) -> None:
        self.objects: list[ObjectRecord] = []
        self.prefixes: list[str] = []
        self.truncated = False
        self.last: str | None = None


class VersionPage:
    """One page of ListObjectVersions: entries (versions and delete markers), common
    prefixes, and where the next page starts."""

    def __init__(self) -> None:
        self.entries: list[ObjectRecord] = []
        self.prefixes: list[str] = []
        self.truncated = False
        self.next_key: str | None = None
        self.next_version: str | None = None


def _prefix_end(prefix: str) -> str:
    # every key that starts with ``prefix`` sorts below this (U+10FFFF is the largest code
    # point; a key continuing with it is still caught by the startswith checks of the callers)
    return prefix + "\U0010ffff"


class S3Store:
    """The S3 tables and blob files, in the emulator's :class:`Database`."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.root = db.data_dir / "s3"
        self.blobs_dir = self.root / "blobs"
        self.tmp_dir = self.root / "tmp"
        self.buckets: dict[str, BucketRecord] = {}
        #: (bucket, key) -> when it was last deleted (this process): a conditional completion
        #: of an upload started before that is a conflict (409), as on AWS
        self.deleted_at: dict[tuple[str, str], float] = {}

    async def open(self) -> None:
        """Create the tables and directories, drop crash leftovers, load the bucket cache.
        The :class:`Database` must be open."""

        def op(tx: Tx) -> list[BucketRecord]:
            for directory in (self.root, self.blobs_dir, self.tmp_dir):
                directory.mkdir(parents=True, exist_ok=True)
            tx.create_tables(_SCHEMA)
            remove_orphans(self.tmp_dir)
            known: set[str] = set()
            for (blobs,) in tx.conn.execute("SELECT blobs FROM s3_objects"):
                known.update(blobs.split())
            known.update(row[0] for row in tx.conn.execute("SELECT blob FROM s3_parts"))
            remove_orphans(self.blobs_dir, known)
            return [
                BucketRecord(*row)
                for row in tx.conn.execute(
                    "SELECT name, region, created, versioning FROM s3_buckets"
                )
            ]

        self.buckets = {b.name: b for b in await self.db.call(op)}

    def blob_path(self, blob: str) -> Path:
        """Where a blob's bytes live."""
        return self.blobs_dir / blob

    def _unlink_after_commit(self, tx: Tx, blobs: list[str]) -> None:
        tx.unlink_after_commit(self.blobs_dir / b for b in blobs)

    def _install(self, tx: Tx, received: Path, blob: str) -> None:
        tx.install(received, self.blobs_dir / blob)

    # -- buckets ---------------------------------------------------------------------------

    async def create_bucket(
        self, name: str, region: str, created: float
    ) -> tuple[BucketRecord, bool]:
        """Create a bucket; returns it and whether it is new."""

        def op(tx: Tx) -> tuple[BucketRecord, bool]:
            row = tx.conn.execute(
                "SELECT name, region, created, versioning FROM s3_buckets WHERE name = ?", (name,)
            ).fetchone()
            if row is not None:
                return BucketRecord(*row), False
            tx.conn.execute(
                "INSERT INTO s3_buckets (name, region, created) VALUES (?, ?, ?)",
                (name, region, created),
            )
            return BucketRecord(name, region, created), True

        record, new = await self.db.call(op)
        self.buckets[name] = record
        return record, new

    async def delete_bucket(self, name: str) -> None:
        """Delete an empty bucket (its unfinished multipart uploads go with it)."""

        def op(tx: Tx) -> None:
            if (
                tx.conn.execute("SELECT 1 FROM s3_buckets WHERE name = ?", (name,)).fetchone()
                is None
            ):
                raise no_such_bucket(name)
            if tx.conn.execute(
                "SELECT 1 FROM s3_objects WHERE bucket = ? LIMIT 1", (name,)
            ).fetchone():
                raise S3Error(
                    "BucketNotEmpty",
                    "The bucket you tried to delete is not empty",
                    409,
                    {"BucketName": name},
                )
            uploads = [
                r[0]
                for r in tx.conn.execute(
                    "SELECT upload_id FROM s3_uploads WHERE bucket = ?", (name,)
                )
            ]
            blobs: list[str] = []
            for upload_id in uploads:
                blobs += [
                    r[0]
                    for r in tx.conn.execute(
                        "SELECT blob FROM s3_parts WHERE upload_id = ?", (upload_id,)
                    )
                ]
                tx.conn.execute("DELETE FROM s3_parts WHERE upload_id = ?", (upload_id,))
            tx.conn.execute("DELETE FROM s3_uploads WHERE bucket = ?", (name,))
            tx.conn.execute("DELETE FROM s3_completed WHERE bucket = ?", (name,))
            tx.conn.execute("DELETE FROM s3_buckets WHERE name = ?", (name,))
            self._unlink_after_commit(tx, blobs)

        await self.db.call(op)
        self.buckets.pop(name, None)

    async def set_versioning(self, name: str, status: str) -> None:
        """Set a bucket's versioning to ``Enabled`` or ``Suspended``."""

        def op(tx: Tx) -> BucketRecord:
            row = tx.conn.execute(
                "SELECT name, region, created, versioning FROM s3_buckets WHERE name = ?", (name,)
            ).fetchone()
            if row is None:
                raise no_such_bucket(name)
            tx.conn.execute("UPDATE s3_buckets SET versioning = ? WHERE name = ?", (status, name))
            return BucketRecord(row[0], row[1], row[2], status)

        self.buckets[name] = await self.db.call(op)

    # -- objects -----------------------------------------------------------------------------

    @staticmethod
    def _bucket_row(tx: Tx, bucket: str) -> tuple[Any, ...]:
        row = tx.conn.execute(
            "SELECT name, region, created, versioning FROM s3_buckets WHERE name = ?", (bucket,)
        ).fetchone()
        if row is None:
            raise no_such_bucket(bucket)
        return tuple(row)

    @staticmethod
    def _latest(tx: Tx, bucket: str, key: str) -> ObjectRecord | None:
        row = tx.conn.execute(
            f"SELECT {_OBJECT_COLUMNS} FROM s3_objects"
            " WHERE bucket = ? AND key = ? AND is_latest = 1",
            (bucket, key),
        ).fetchone()
        return None if row is None else _object_from_row(row)

    @staticmethod
    def _version(tx: Tx, bucket: str, key: str, version_id: str) -> ObjectRecord | None:
        row = tx.conn.execute(
            f"SELECT {_OBJECT_COLUMNS} FROM s3_objects"
            " WHERE bucket = ? AND key = ? AND version_id = ?",
            (bucket, key, version_id),
        ).fetchone()
        return None if row is None else _object_from_row(row)

    def _insert_version(
        self, tx: Tx, record: ObjectRecord, versioning: str | None, new_version_id: str
    ) -> ObjectRecord:
        """Make ``record`` the latest version of its key; returns it with its version id and
        sequence number. Unversioned and suspended buckets replace the ``null`` version."""
        version_id = new_version_id if versioning == "Enabled" else "null"
        if version_id == "null":
            old = self._version(tx, record.bucket, record.key, "null")
            if old is not None:
                tx.conn.execute("DELETE FROM s3_objects WHERE seq = ?", (old.seq,))
                self._unlink_after_commit(tx, list(old.blobs))
        tx.conn.execute(
            "UPDATE s3_objects SET is_latest = 0 WHERE bucket = ? AND key = ? AND is_latest = 1",
            (record.bucket, record.key),
        )
        cursor = tx.conn.execute(
            f"INSERT INTO s3_objects ({_OBJECT_COLUMNS.partition(', ')[2]}) "
            f"VALUES ({', '.join('?' * 20)})",
            _object_row(
                _replace(
                    record,
                    version_id=version_id,
                    is_latest=True,
                    restore_tier=None,
                    restore_complete=None,
                    restore_expiry=None,
                )
            )[1:],
        )
        seq = cursor.lastrowid
        assert seq is not None
        return _replace(record, seq=seq, version_id=version_id, is_latest=True)

    @staticmethod
    def _check_conditions(
        current: ObjectRecord | None, key: str, if_none_match: str | None, if_match: str | None
    ) -> None:
        exists = current is not None and not current.delete_marker
        if if_none_match is not None and exists:
            raise S3Error(
                "PreconditionFailed",
                "At least one of the pre-conditions you specified did not hold",
                412,
                {"Condition": "If-None-Match"},
            )
        if if_match is not None:
            if not exists:
                raise no_such_key(key)
            assert current is not None
            if if_match.strip() not in ("*", current.etag, current.etag.strip('"')):
                raise S3Error(
                    "PreconditionFailed",
                    "At least one of the pre-conditions you specified did not hold",
                    412,
                    {"Condition": "If-Match"},
                )

    async def put_object(
        self,
        record: ObjectRecord,
        received: Path,
        blob: str,
        new_version_id: str,
        *,
        if_none_match: str | None = None,
        if_match: str | None = None,
        install: bool = True,
    ) -> ObjectRecord:
        """Store a new version whose bytes are the fsynced file ``received`` (``install``
        False: an empty object, no file)."""

        def op(tx: Tx) -> ObjectRecord:
            bucket = self._bucket_row(tx, record.bucket)
            self._check_conditions(
                self._latest(tx, record.bucket, record.key), record.key, if_none_match, if_match
            )
            if install:
                self._install(tx, received, blob)
            return self._insert_version(tx, record, bucket[3], new_version_id)

        return await self.db.call(op)

    async def get_object(self, bucket: str, key: str, version_id: str | None) -> ObjectRecord:
        """The latest version of ``key`` (or ``version_id``); raises NoSuchBucket/NoSuchKey/
        NoSuchVersion. A delete marker is returned as is (the caller decides)."""

        def op(tx: Tx) -> ObjectRecord:
            self._bucket_row(tx, bucket)
            if version_id is None:
                found = self._latest(tx, bucket, key)
                if found is None:
                    raise no_such_key(key)
                return found
            found = self._version(tx, bucket, key, version_id)
            if found is None:
                if version_id != "null" and not _valid_version_id(version_id):
                    raise invalid_argument("Invalid version id specified", "versionId", version_id)
                raise S3Error(
                    "NoSuchVersion",
                    "The specified version does not exist.",
                    404,
                    {"Key": key, "VersionId": version_id},
                )
            return found

        return await self.db.call(op)

    def _delete_in_tx(
        self, tx: Tx, bucket: str, key: str, version_id: str | None, new_version_id: str, now: float
    ) -> tuple[str | None, bool]:
        """Delete as DeleteObject does; returns (version id, delete marker) as answered."""
        versioning = self._bucket_row(tx, bucket)[3]
        self.deleted_at[(bucket, key)] = now
        if version_id is not None:
            if version_id != "null" and not _valid_version_id(version_id):
                raise invalid_argument("Invalid version id specified", "versionId", version_id)
            found = self._version(tx, bucket, key, version_id)
            if found is None:
                return version_id, False
            tx.conn.execute("DELETE FROM s3_objects WHERE seq = ?", (found.seq,))
            self._unlink_after_commit(tx, list(found.blobs))
            if found.is_latest:
                tx.conn.execute(
                    "UPDATE s3_objects SET is_latest = 1 WHERE seq = (SELECT MAX(seq) FROM "
                    "s3_objects WHERE bucket = ? AND key = ?)",
                    (bucket, key),
                )
            return version_id, found.delete_marker
        if versioning is None:
            found = self._version(tx, bucket, key, "null")
            if found is not None:
                tx.conn.execute("DELETE FROM s3_objects WHERE seq = ?", (found.seq,))
                self._unlink_after_commit(tx, list(found.blobs))
            return None, False
        marker = ObjectRecord(
            seq=0,
            bucket=bucket,
            key=key,
            version_id="",
            is_latest=True,
            delete_marker=True,
            size=0,
            etag="",
            last_modified=now,
            storage_class="STANDARD",
            content_type=None,
            metadata={},
            headers={},
            checksum_algorithm=None,
            checksum=None,
            checksum_type=None,
            part_sizes=None,
            blobs=(),
        )
        stored = self._insert_version(tx, marker, versioning, new_version_id)
        return stored.version_id, True

    async def delete_object(
        self, bucket: str, key: str, version_id: str | None, new_version_id: str, now: float
    ) -> tuple[str | None, bool]:
        """DeleteObject: returns the version id to report (None: none) and whether it is (or
        removed) a delete marker."""

        def op(tx: Tx) -> tuple[str | None, bool]:
            return self._delete_in_tx(tx, bucket, key, version_id, new_version_id, now)

        return await self.db.call(op)

    async def delete_objects(
        self,
        bucket: str,
        items: list[tuple[str, str | None]],
        new_version_id: Callable[[], str],
        now: float,
    ) -> list[tuple[str, str | None, str | None, bool, S3Error | None]]:
        """DeleteObjects in one transaction: per item (key, version asked, version id answered,
        delete marker, error)."""

        def op(tx: Tx) -> list[tuple[str, str | None, str | None, bool, S3Error | None]]:
            self._bucket_row(tx, bucket)
            out: list[tuple[str, str | None, str | None, bool, S3Error | None]] = []
            for key, version_id in items:
                try:
                    answered, marker = self._delete_in_tx(
                        tx, bucket, key, version_id, new_version_id(), now
                    )
                except S3Error as exc:
                    out.append((key, version_id, None, False, exc))
                else:
                    out.append((key, version_id, answered, marker, None))
            return out

        return await self.db.call(op)

    async def list_objects(
        self,
        bucket: str,
        prefix: str,
        delimiter: str | None,
        after: str | None,
        max_keys: int,
    ) -> ListPage:
        """A page of the latest non-deleted versions, keys after ``after``, in UTF-8 order,
        with common prefixes rolled up at ``delimiter``."""

        def op(tx: Tx) -> ListPage:
            self._bucket_row(tx, bucket)
            page = ListPage()
            if max_keys == 0:
                return page
            cursor = prefix
            inclusive = True
            if after is not None and after >= prefix:
                cursor, inclusive = after, False
                cut = after.find(delimiter, len(prefix)) if delimiter else -1
                if delimiter and cut >= 0:
                    # the previous page ended on (or inside) a common prefix: skip past it
                    cursor = _prefix_end(after[: cut + len(delimiter)])
            while True:
                rows = tx.conn.execute(
                    f"SELECT {_OBJECT_COLUMNS} FROM s3_objects WHERE bucket = ? AND "
                    f"is_latest = 1 AND key {'>=' if inclusive else '>'} ? ORDER BY key LIMIT 256",
                    (bucket, cursor),
                ).fetchall()
                if not rows:
                    return page
                inclusive = False
                cursor = rows[-1][2]
                for row in rows:
                    key = row[2]
                    if not key.startswith(prefix):
                        return page
                    if row[5]:  # a delete marker: the key is not listed
                        continue
                    if delimiter:
                        cut = key.find(delimiter, len(prefix))
                        if cut >= 0:
                            common = key[: cut + len(delimiter)]
                            if len(page.objects) + len(page.prefixes) == max_keys:
                                page.truncated = True
                                return page
                            page.prefixes.append(common)
                            page.last = common
                            cursor = _prefix_end(common)
                            break  # query again past the prefix
                    record = _object_from_row(row)
                    if len(page.objects) + len(page.prefixes) == max_keys:
                        page.truncated = True
                        return page
                    page.objects.append(record)
                    page.last = key

        return await self.db.call(op)

    async def list_versions(
        self,
        bucket: str,
        prefix: str,
        delimiter: str | None,
        key_marker: str | None,
        version_marker: str | None,
        max_keys: int,
    ) -> VersionPage:
        """A page of ListObjectVersions: keys in order, each key's versions newest first."""

        def op(tx: Tx) -> VersionPage:
            self._bucket_row(tx, bucket)
            page = VersionPage()
            if max_keys == 0:
                return page
            rows = tx.conn.execute(
                f"SELECT {_OBJECT_COLUMNS} FROM s3_objects WHERE bucket = ? AND key >= ? "
                "ORDER BY key, seq DESC",
                (bucket, max(prefix, key_marker or "")),
            )
            skipping_key = key_marker
            passed = False  # past the version marker, within the marker key
            count = 0
            for row in rows:
                record = _object_from_row(row)
                if not record.key.startswith(prefix):
                    if record.key > prefix:
                        break
                    continue
                if skipping_key is not None:
                    if record.key == skipping_key:
                        if not passed:
                            passed = record.version_id == version_marker
                            continue
                    else:
                        skipping_key = None
                if delimiter:
                    cut = record.key.find(delimiter, len(prefix))
                    if cut >= 0:
                        common = record.key[: cut + len(delimiter)]
                        if page.prefixes and page.prefixes[-1] == common:
                            continue
                        if key_marker is not None and common <= key_marker:
                            continue
                        if count == max_keys:
                            page.truncated = True
                            break
                        page.prefixes.append(common)
                        page.next_key, page.next_version = common, None
                        count += 1
                        continue
                if count == max_keys:
                    page.truncated = True
                    break
                page.entries.append(record)
                page.next_key, page.next_version = record.key, record.version_id
                count += 1
            rows.close()
            return page

        return await self.db.call(op)

    async def restore(
        self,
        bucket: str,
        key: str,
        version_id: str | None,
        decide: Callable[[ObjectRecord], tuple[int, str | None, float | None, float | None]],
    ) -> int:
        """RestoreObject: ``decide`` maps the version to (status, tier, complete, expiry) or
        raises; the new restore state is stored unless the status is an error."""

        def op(tx: Tx) -> int:
            self._bucket_row(tx, bucket)
            if version_id is None:
                found = self._latest(tx, bucket, key)
                if found is None or found.delete_marker:
                    raise no_such_key(key)
            else:
                found = self._version(tx, bucket, key, version_id)
                if found is None:
                    raise S3Error(
                        "NoSuchVersion",
                        "The specified version does not exist.",
                        404,
                        {"Key": key, "VersionId": version_id},
                    )
            status, tier, complete, expiry = decide(found)
            tx.conn.execute(
                "UPDATE s3_objects SET restore_tier = ?, restore_complete = ?, restore_expiry = ? "
                "WHERE seq = ?",
                (tier, complete, expiry, found.seq),
            )
            return status

        return await self.db.call(op)

    # -- multipart uploads ---------------------------------------------------------------------

    async def create_upload(self, upload: S3UploadRecord) -> None:
        """Record a new multipart upload."""

        def op(tx: Tx) -> None:
            self._bucket_row(tx, upload.bucket)
            tx.conn.execute(
                f"INSERT INTO s3_uploads ({_UPLOAD_COLUMNS}) VALUES ({', '.join('?' * 10)})",
                record_row(upload, metadata=json.dumps, headers=json.dumps),
            )

        await self.db.call(op)

    @classmethod
    def _upload(cls, tx: Tx, bucket: str, key: str, upload_id: str) -> S3UploadRecord:
        if tx.conn.execute("SELECT 1 FROM s3_buckets WHERE name = ?", (bucket,)).fetchone() is None:
            raise no_such_bucket(bucket)
        upload = cls._upload_or_none(tx, bucket, key, upload_id)
        if upload is None:
            raise no_such_upload(upload_id)
        return upload

    @staticmethod
    def _upload_or_none(tx: Tx, bucket: str, key: str, upload_id: str) -> S3UploadRecord | None:
        row = tx.conn.execute(
            f"SELECT {_UPLOAD_COLUMNS} FROM s3_uploads"
            " WHERE upload_id = ? AND bucket = ? AND key = ?",
            (upload_id, bucket, key),
        ).fetchone()
        return None if row is None else _upload_from_row(row)

    @staticmethod
    def _parts(tx: Tx, upload_id: str) -> list[PartEntry]:
        return [
            _part_from_row(row)
            for row in tx.conn.execute(
                f"SELECT {_PART_COLUMNS} FROM s3_parts WHERE upload_id = ? ORDER BY part_number",
                (upload_id,),
            )
        ]

    @staticmethod
    def _drop_upload(tx: Tx, upload_id: str) -> None:
        tx.conn.execute("DELETE FROM s3_parts WHERE upload_id = ?", (upload_id,))
        tx.conn.execute("DELETE FROM s3_uploads WHERE upload_id = ?", (upload_id,))

    async def get_upload(self, bucket: str, key: str, upload_id: str) -> S3UploadRecord:
        """An upload in progress (NoSuchBucket, NoSuchUpload)."""

        def op(tx: Tx) -> S3UploadRecord:
            return self._upload(tx, bucket, key, upload_id)

        return await self.db.call(op)

    async def put_part(
        self, bucket: str, key: str, upload_id: str, part: PartEntry, received: Path
    ) -> None:
        """Store (or replace) a part whose bytes are the fsynced file ``received``."""

        def op(tx: Tx) -> None:
            self._upload(tx, bucket, key, upload_id)
            old = tx.conn.execute(
                "SELECT blob FROM s3_parts WHERE upload_id = ? AND part_number = ?",
                (upload_id, part.part_number),
            ).fetchone()
            self._install(tx, received, part.blob)
            tx.conn.execute(
                f"INSERT OR REPLACE INTO s3_parts (upload_id, {_PART_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    upload_id,
                    part.part_number,
                    part.size,
                    part.etag,
                    part.checksum,
                    part.blob,
                    part.last_modified,
                    part.md5,
                ),
            )
            if old is not None:
                self._unlink_after_commit(tx, [old[0]])

        await self.db.call(op)

    async def list_parts(
        self, bucket: str, key: str, upload_id: str
    ) -> tuple[S3UploadRecord, list[PartEntry]]:
        """An upload and its parts by number."""

        def op(tx: Tx) -> tuple[S3UploadRecord, list[PartEntry]]:
            upload = self._upload(tx, bucket, key, upload_id)
            return upload, self._parts(tx, upload_id)

        return await self.db.call(op)

    async def complete_upload(
        self,
        bucket: str,
        key: str,
        upload_id: str,
        build: Callable[
            [S3UploadRecord, list[PartEntry]], tuple[ObjectRecord, list[str], dict[str, Any]]
        ],
        new_version_id: str,
        now: float,
        *,
        if_none_match: str | None,
        if_match: str | None,
        requested: tuple[tuple[int, str], ...],
    ) -> dict[str, Any]:
        """Turn an upload into an object: ``build`` checks the parts and returns the object,
        the blobs it does not use, and the answer (stored, so that a repeated Complete of the
        same parts gets it again)."""

        def op(tx: Tx) -> dict[str, Any]:
            tx.conn.execute(
                "DELETE FROM s3_completed WHERE completed < ?", (now - COMPLETED_RETENTION,)
            )
            upload = self._upload_or_none(tx, bucket, key, upload_id)
            if upload is None:
                self._bucket_row(tx, bucket)
                done = tx.conn.execute(
                    "SELECT parts, result FROM s3_completed"
                    " WHERE upload_id = ? AND bucket = ? AND key = ?",
                    (upload_id, bucket, key),
                ).fetchone()
                if done is not None and tuple(tuple(p) for p in json.loads(done[0])) == requested:
                    return dict(json.loads(done[1]))
                raise no_such_upload(upload_id)
            versioning = self._bucket_row(tx, bucket)[3]
            record, unused, result = build(upload, self._parts(tx, upload_id))
            self._check_conditions(self._latest(tx, bucket, key), key, if_none_match, if_match)
            if if_none_match is not None and self.deleted_at.get((bucket, key), -1.0) > (
                upload.created
            ):
                # AWS: a delete of the key during a conditional multipart upload is a conflict;
                # the upload must be started again (it stays, to be aborted)
                raise S3Error(
                    "ConditionalRequestConflict",
                    "A conflicting conditional operation is currently in progress against this "
                    "resource. Please try again.",
                    409,
                )
            stored = self._insert_version(tx, record, versioning, new_version_id)
            if versioning is not None:
                result = {**result, "version_id": stored.version_id}
            self._drop_upload(tx, upload_id)
            tx.conn.execute(
                "INSERT OR REPLACE INTO s3_completed"
                " (upload_id, bucket, key, parts, result, completed) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    upload_id,
                    bucket,
                    key,
                    json.dumps([list(p) for p in requested]),
                    json.dumps(result),
                    now,
                ),
            )
            self._unlink_after_commit(tx, unused)
            return result

        return await self.db.call(op)

    async def abort_upload(self, bucket: str, key: str, upload_id: str) -> None:
        """Drop an upload and its parts."""

        def op(tx: Tx) -> None:
            self._upload(tx, bucket, key, upload_id)
            blobs = [
                r[0]
                for r in tx.conn.execute(
                    "SELECT blob FROM s3_parts WHERE upload_id = ?", (upload_id,)
                )
            ]
            self._drop_upload(tx, upload_id)
            self._unlink_after_commit(tx, blobs)

        await self.db.call(op)

    async def list_uploads(self, bucket: str, prefix: str) -> list[S3UploadRecord]:
        """Uploads in progress under ``prefix``, by key then initiation time."""

        def op(tx: Tx) -> list[S3UploadRecord]:
            self._bucket_row(tx, bucket)
            return [
                _upload_from_row(row)
                for row in tx.conn.execute(
                    f"SELECT {_UPLOAD_COLUMNS} FROM s3_uploads WHERE bucket = ? AND key >= ? "
                    "ORDER BY key, created, upload_id",
                    (bucket, prefix),
                )
                if row[2].startswith(prefix)
            ]

        return await self.db.call(op)

    async def all_versions(self, bucket: str) -> list[ObjectRecord]:
        """Every version and delete marker of a bucket, by key then newest first (tests)."""

        def op(tx: Tx) -> list[ObjectRecord]:
            self._bucket_row(tx, bucket)
            return [
                _object_from_row(row)
                for row in tx.conn.execute(
                    f"SELECT {_OBJECT_COLUMNS} FROM s3_objects"
                    " WHERE bucket = ? ORDER BY key, seq DESC",
                    (bucket,),
                )
            ]

        return await self.db.call(op)


_VERSION_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._")


def _valid_version_id(version_id: str) -> bool:
    return len(version_id) == 32 and all(c in _VERSION_CHARS for c in version_id)


def _replace(record: ObjectRecord, **changes: Any) -> ObjectRecord:
    from dataclasses import replace

    return replace(record, **changes)

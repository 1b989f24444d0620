"""A Glacier vault as a :class:`~aioglacier.backends.base.Backend`.

Everything the engine must not know about vaults lives here: ``mt2`` archive descriptions
(mtglacier's naming and metadata), parts addressed by byte offset and checked by tree hash,
retrieval jobs as warm-ups (a job id is the journal's ``RETRIEVE_JOB`` token), reads as Get Job
Output with the service's tree hash of each MiB-aligned range.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from aioglacier.backends.base import (
    MIB,
    Attempt,
    Backend,
    ByteRange,
    Capabilities,
    Listener,
    MultipartWriter,
    ObjectSpec,
    Part,
    RangeReader,
    StoredObject,
    Tier,
    UploadInfo,
    Warmup,
    WarmupStatus,
)
from aioglacier.backends.glacier.api import GlacierApi, JobOutput
from aioglacier.errors import AioGlacierError, NotFound, TransferError
from aioglacier.metadata import decode_description, encode_description
from aioglacier.retry import RetryPolicy

__all__ = ["GLACIER_CAPABILITIES", "GlacierBackend", "GlacierMultipart", "is_retrieval_of"]

T = TypeVar("T")

#: What a vault can do: 10,000 parts of 1 MiB x 2^n up to 4 GiB, one request up to 4 GiB, no
#: empty archive, a tree hash on every MiB-aligned ranged read, retrieval jobs before reads,
#: an inventory job for listing.
GLACIER_CAPABILITIES = Capabilities(
    max_parts=10_000,
    min_part_size=MIB,
    max_part_size=4096 * MIB,
    max_single_put=4096 * MIB,
    max_object_size=10_000 * 4096 * MIB,
    part_size_power_of_two=True,
    empty_objects=False,
    ranged_tree_hash=True,
    needs_warmup=True,
    inventory=True,
    versioned=True,
    object_name="a Glacier archive",
)

_STATUS: dict[str, WarmupStatus] = {
    "InProgress": "in-progress",
    "Succeeded": "ready",
    "Failed": "failed",
}


def _whole_archive(job: Mapping[str, Any], size: int) -> bool:
    """Whether a retrieval job covers the whole archive (a partial one is not a restore)."""
    byte_range = job.get("RetrievalByteRange")
    return not byte_range or not size or byte_range == f"0-{size - 1}"


def is_retrieval_of(job: Mapping[str, Any], obj: StoredObject) -> bool:
    """Whether ``job`` (List Jobs' JSON) retrieves the whole archive of ``obj``."""
    return (
        job.get("Action") == "ArchiveRetrieval"
        and job.get("ArchiveId") == obj.archive_id
        and _whole_archive(job, obj.size)
    )


@dataclass(frozen=True)
class _JobReader:
    """A Get Job Output response as a :class:`RangeReader`."""

    output: JobOutput

    @property
    def tree_hash(self) -> str | None:
        """The ``x-amz-sha256-tree-hash`` header (MiB-aligned ranges and whole archives)."""
        return self.output.tree_hash

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body as it arrives; each piece is progress for the stall limit."""
        content, timer = self.output.content, self.output.timer
        while chunk := await content.readany():
            timer.progress()
            yield chunk

    async def read(self) -> bytes:
        """The whole body."""
        return await self.output.read()


@dataclass(frozen=True)
class GlacierMultipart:
    """One vault multipart upload (:class:`~aioglacier.backends.base.MultipartWriter`):
    ``upload_id`` is the vault's, ``part_size`` the bytes per part."""

    _api: GlacierApi
    _vault: str
    upload_id: str
    part_size: int

    async def present(self) -> list[Part]:
        """The parts the vault holds (List Parts, every page); :class:`NotFound` when gone."""
        _, parts = await self._api.list_parts(self._vault, self.upload_id)
        return [
            Part(p.start // self.part_size + 1, p.start, p.end, tree_hash=p.tree_hash)
            for p in parts
        ]

    async def write_part(
        self, number: int, start: int, body: bytes, *, tree_hash: str, sha256: str
    ) -> Part:
        """Upload Part at offset ``start`` (the vault addresses parts by offset)."""
        await self._api.upload_part(
            self._vault, self.upload_id, start, body, tree_hash=tree_hash, sha256=sha256
        )
        return Part(number, start, start + len(body) - 1, tree_hash=tree_hash, sha256=sha256)

    def reuse(self, part: Part) -> None:
        """Nothing to remember: Complete names no parts, only the whole tree hash."""

    async def complete(self, *, size: int, tree_hash: str) -> str:
        """Complete Multipart Upload; returns the archive id."""
        return await self._api.complete_multipart(
            self._vault, self.upload_id, archive_size=size, tree_hash=tree_hash
        )

    async def abort(self) -> None:
        """Abort Multipart Upload (an upload already gone is not an error)."""
        with contextlib.suppress(NotFound):
            await self._api.abort_multipart(self._vault, self.upload_id)


class GlacierBackend:
    """The vault ``vault`` reached through ``api`` (:class:`~aioglacier.backends.base.Backend`).

    ``target`` is the vault's name (the resume sidecar's key, as before the seam existed).
    """

    def __init__(self, api: GlacierApi, vault: str) -> None:
        self.api = api
        self.vault = vault

    def __repr__(self) -> str:
        return f"GlacierBackend(vault={self.vault!r}, api={self.api!r})"

    @property
    def capabilities(self) -> Capabilities:
        """:data:`GLACIER_CAPABILITIES`."""
        return GLACIER_CAPABILITIES

    @property
    def target(self) -> str:
        """The vault's name."""
        return self.vault

    def bind(self, *, subject: str | None = None, listener: Listener = None) -> GlacierBackend:
        """The same vault with retries named after ``subject`` and reported to ``listener``."""
        return GlacierBackend(self.api.bind(subject=subject, listener=listener), self.vault)

    async def retried(
        self,
        operation: str,
        attempt: Attempt[T],
        *,
        policy: RetryPolicy | None = None,
    ) -> T:
        """``attempt(deadline_at)`` under the API's retry policy (or ``policy``)."""
        return await self.api.retried(operation, attempt, policy=policy)

    async def ensure_exists(self, *, create: bool = False) -> None:
        """Describe Vault (Create Vault first with ``create``); one clear line when missing."""
        if create:
            await self.api.create_vault(self.vault)
        try:
            await self.api.describe_vault(self.vault)
        except NotFound:
            raise AioGlacierError(
                f'vault "{self.vault}" does not exist '
                f"(create it with: aioglacier create-vault {self.vault})"
            ) from None

    async def put(self, spec: ObjectSpec, body: bytes, *, tree_hash: str, sha256: str) -> str:
        """Upload Archive, described with mtglacier's ``mt2`` description."""
        return await self.api.upload_archive(
            self.vault,
            body,
            description=encode_description(spec.name, spec.mtime),
            tree_hash=tree_hash,
            sha256=sha256,
        )

    async def start_multipart(
        self, spec: ObjectSpec, *, size: int, part_size: int
    ) -> GlacierMultipart:
        """Initiate Multipart Upload (the vault does not need the size)."""
        upload_id = await self.api.initiate_multipart(
            self.vault,
            part_size=part_size,
            description=encode_description(spec.name, spec.mtime),
        )
        return GlacierMultipart(self.api, self.vault, upload_id, part_size)

    async def resume_multipart(
        self, upload_id: str, spec: ObjectSpec, *, part_size: int
    ) -> GlacierMultipart:
        """The recorded upload (no request: :meth:`GlacierMultipart.present` finds out
        whether the vault still has it, and raises :class:`NotFound` when not)."""
        return GlacierMultipart(self.api, self.vault, upload_id, part_size)

    async def list_uploads(self) -> list[UploadInfo]:
        """List Multipart Uploads (every page), with the ``mt2`` name and mtime when given."""
        uploads: list[UploadInfo] = []
        for item in await self.api.list_multipart_uploads(self.vault):
            upload_id = str(item.get("MultipartUploadId") or "")
            if not upload_id:
                continue
            description = str(item.get("ArchiveDescription") or "")
            decoded = decode_description(description)
            name, mtime = (None, None) if decoded is None else decoded
            uploads.append(
                UploadInfo(
                    upload_id=upload_id,
                    name=name,
                    started=str(item.get("CreationDate") or ""),
                    part_size=int(item.get("PartSizeInBytes") or 0),
                    mtime=mtime,
                    description=description,
                )
            )
        return uploads

    async def delete(self, obj: StoredObject) -> None:
        """Delete Archive (:class:`NotFound` when the vault no longer has it)."""
        await self.api.delete_archive(self.vault, obj.archive_id)

    async def warmup(self, obj: StoredObject, *, tier: Tier | None = None) -> Warmup:
        """Initiate an archive-retrieval job; the job id is the warm-up's token."""
        params: dict[str, Any] = {"Type": "archive-retrieval", "ArchiveId": obj.archive_id}
        if tier is not None:
            params["Tier"] = tier
        job_id = await self.api.initiate_job(self.vault, params)
        return Warmup(obj.archive_id, job_id, "in-progress")

    async def warmups(self, objects: Sequence[StoredObject]) -> AsyncIterator[Warmup]:
        """ONE List Jobs pass (every page, in the service's order): the whole-archive
        retrieval jobs of ``objects``, as the pages arrive."""
        by_id = {o.archive_id: o for o in objects}
        if not by_id:
            return
        async for job in self.api.list_jobs(self.vault):
            obj = by_id.get(str(job.get("ArchiveId")))
            status = _STATUS.get(str(job.get("StatusCode")))
            if obj is None or status is None or not is_retrieval_of(job, obj):
                continue
            message = str(job.get("StatusMessage")) if status == "failed" else None
            expires = _output_expiry(job) if status == "ready" else None
            yield Warmup(obj.archive_id, str(job.get("JobId")), status, message, expires)

    @asynccontextmanager
    async def read(
        self,
        obj: StoredObject,
        warmup: Warmup | None,
        *,
        byte_range: ByteRange | None = None,
        deadline_at: float | None = None,
    ) -> AsyncIterator[RangeReader]:
        """Get Job Output of the warm-up's retrieval job (one attempt)."""
        if warmup is None:
            raise TransferError(f"archive {obj.archive_id}: no retrieval job to read from")
        async with self.api.job_output(
            self.vault, warmup.token, byte_range=byte_range, deadline_at=deadline_at
        ) as output:
            yield _JobReader(output)


#: How long a completed job's output can be read: "at least 24 hours" after it completed (AWS's
#: Glacier documentation, Get Job Output); the engine counts on exactly that.
JOB_OUTPUT_WINDOW = 24 * 3600.0


def _output_expiry(job: Mapping[str, Any]) -> float | None:
    """When a completed job's output stops being readable (epoch seconds), from its
    ``CompletionDate``; ``None`` when the service did not say."""
    completed = job.get("CompletionDate")
    if not isinstance(completed, str):
        return None
    try:
        when = datetime.fromisoformat(completed.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp() + JOB_OUTPUT_WINDOW


if TYPE_CHECKING:  # mypy proves both classes have the seam's shapes
    _backend: type[Backend] = GlacierBackend
    _writer: type[MultipartWriter] = GlacierMultipart

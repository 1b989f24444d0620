"""The vault API's jobs: archive and inventory retrievals, their listing and their output."""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from aiohttp import web

from aioglacier.emulator.glacier import protocol as wire
from aioglacier.emulator.glacier.errors import (
    GlacierError,
    invalid_parameter,
    missing_parameter,
    not_found,
)
from aioglacier.emulator.glacier.models import (
    INVENTORY_DELAY,
    TIER_DELAYS,
    ArchiveRecord,
    JobRecord,
    VaultRecord,
)
from aioglacier.emulator.glacier.protocol import Ctx, Handlers
from aioglacier.emulator.ids import format_inventory_date
from aioglacier.emulator.transfer import send_answer
from aioglacier.treehash import MIB, is_tree_hash_aligned, range_tree_hash, tree_hash_file

__all__ = ["JobHandlers", "render_inventory"]


_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
_BYTE_RANGE = re.compile(r"(\d+)-(\d+)")
_TIERS = ("Expedited", "Standard", "Bulk")


class JobHandlers(Handlers):
    """Initiate, describe and list jobs; send their output."""

    def _new_job(
        self, tier: str | None, description: str | None, sns_topic: str | None
    ) -> JobRecord:
        """A job started now, with its delay and fate drawn (``tier`` None: an inventory
        retrieval); the caller fills in the vault, the action and the details."""
        now = self.now()
        delay = INVENTORY_DELAY if tier is None else TIER_DELAYS[tier]
        scale = self.settings.job_delay_scale
        faults = self.settings.faults
        return JobRecord(
            job_id=self.settings.ids.job_id(),
            vault="",
            vault_arn="",
            action="",
            description=description,
            created_at=now,
            complete_at=now + timedelta(seconds=delay.total_seconds() * scale),
            failed=faults.next_job_fails() if faults is not None else False,
            sns_topic=sns_topic,
            tier=tier,
        )

    async def initiate_job(self, ctx: Ctx) -> web.StreamResponse:
        """Initiate Job: an archive or inventory retrieval."""
        vault = self.vault(ctx)
        try:
            params = json.loads(ctx.body or b"{}")
        except ValueError:
            raise GlacierError(
                "SerializationException", "The request body is not valid JSON.", 400
            ) from None
        if not isinstance(params, dict):
            raise GlacierError(
                "SerializationException", "The request body must be a JSON object.", 400
            )
        job_type = params.get("Type")
        if job_type is None:
            raise missing_parameter("Required parameter Type is missing")
        description = params.get("Description")
        if description is not None:
            wire.check_description(str(description), "job description")
        start = partial(self._new_job, description=description, sns_topic=params.get("SNSTopic"))
        if job_type == "archive-retrieval":
            job = await self._archive_job(vault, params, start)
        elif job_type == "inventory-retrieval":
            job = await self._inventory_job(vault, params, start)
        elif job_type == "select":
            raise invalid_parameter("Select jobs are not supported by the emulator")
        else:
            raise invalid_parameter(
                f"Invalid job type: '{job_type}'. Valid types are archive-retrieval, "
                "inventory-retrieval and select."
            )
        return web.Response(
            status=202,
            headers={
                "Location": self.location(vault.name, "jobs", job.job_id),
                "x-amz-job-id": job.job_id,
            },
        )

    async def _archive_job(
        self, vault: VaultRecord, params: dict[str, Any], start: Callable[[str | None], JobRecord]
    ) -> JobRecord:
        archive_id = params.get("ArchiveId")
        if not archive_id:
            raise missing_parameter("Required parameter ArchiveId is missing")
        tier = params.get("Tier") or "Standard"
        if tier not in _TIERS:
            raise invalid_parameter(
                f"Invalid tier: '{tier}'. Valid tiers are Expedited, Standard and Bulk."
            )
        if params.get("Format") is not None:
            raise invalid_parameter("Format is only valid for inventory-retrieval jobs")
        raw_range = params.get("RetrievalByteRange")
        base = start(tier)

        def make(archive: ArchiveRecord) -> JobRecord:
            start, end = 0, archive.size - 1
            if raw_range is not None:
                match = _BYTE_RANGE.fullmatch(str(raw_range))
                if match is None:
                    raise invalid_parameter(
                        f"Invalid RetrievalByteRange: '{raw_range}'. Expected 'START-END'."
                    )
                start, end = int(match.group(1)), int(match.group(2))
                if (
                    end < start
                    or end >= archive.size
                    or start % MIB
                    or ((end + 1) % MIB and end != archive.size - 1)
                ):
                    raise invalid_parameter(
                        f"Invalid RetrievalByteRange: '{raw_range}'. The range must be megabyte "
                        "aligned: the start a multiple of 1048576 and the end plus one a "
                        f"multiple of 1048576 or the archive size ({archive.size})."
                    )
            whole = start == 0 and end == archive.size - 1
            if whole:
                range_hash: str | None = archive.tree_hash
            elif archive.leaves is not None and is_tree_hash_aligned(start, end, archive.size):
                leaves = [archive.leaves[i : i + 32] for i in range(0, len(archive.leaves), 32)]
                range_hash = range_tree_hash(leaves, start, end).hex()
            else:
                range_hash = None
            return replace(
                base,
                vault=vault.name,
                vault_arn=vault.arn,
                action="ArchiveRetrieval",
                archive_id=archive.archive_id,
                archive_size=archive.size,
                archive_tree_hash=archive.tree_hash,
                range_start=start,
                range_end=end,
                range_tree_hash=range_hash,
                leaves=archive.leaves,
                archive_description=archive.description,
            )

        return await self.store.create_archive_job(vault.name, str(archive_id), make)

    async def _inventory_job(
        self, vault: VaultRecord, params: dict[str, Any], start: Callable[[str | None], JobRecord]
    ) -> JobRecord:
        if params.get("ArchiveId") is not None:
            raise invalid_parameter("ArchiveId is not valid for inventory-retrieval jobs")
        if params.get("RetrievalByteRange") is not None:
            raise invalid_parameter("RetrievalByteRange is not valid for inventory-retrieval jobs")
        fmt = params.get("Format") or "JSON"
        if fmt not in ("JSON", "CSV"):
            raise invalid_parameter(f"Invalid format: '{fmt}'. Valid formats are CSV and JSON.")
        inventory_params = params.get("InventoryRetrievalParameters")
        base = start(None)

        def make(current: VaultRecord, archives: list[ArchiveRecord]) -> tuple[JobRecord, bytes]:
            document = render_inventory(current.arn, base.created_at, archives, fmt)
            job = replace(
                base,
                vault=current.name,
                vault_arn=current.arn,
                action="InventoryRetrieval",
                inventory_format=fmt,
                inventory_size=len(document),
                inventory_params=json.dumps(inventory_params) if inventory_params else None,
            )
            return job, document

        return await self.store.create_inventory_job(vault.name, make)

    async def _job(self, ctx: Ctx) -> JobRecord:
        vault = self.vault(ctx)
        job_id = ctx.route.item
        assert job_id is not None
        job = await self.store.get_job(vault.name, job_id)
        if job is None or job.expired(self.now()):
            raise not_found(f"The job ID was not found: {job_id}")
        return job

    async def describe_job(self, ctx: Ctx) -> web.StreamResponse:
        """Describe Job."""
        job = await self._job(ctx)
        return wire.json_response(200, job.describe(self.now()))

    async def list_jobs(self, ctx: Ctx) -> web.StreamResponse:
        """List Jobs (statuscode, completed, marker, limit)."""
        vault = self.vault(ctx)
        query = ctx.request.rel_url.query
        limit = wire.parse_limit(query, 50, 50)
        now = self.now()
        statuscode = query.get("statuscode")
        if statuscode is not None and statuscode not in ("InProgress", "Succeeded", "Failed"):
            raise invalid_parameter(
                f"Invalid statuscode: '{statuscode}'. Valid values are InProgress, Succeeded "
                "and Failed."
            )
        completed = query.get("completed")
        if completed is not None and completed not in ("true", "false"):
            raise invalid_parameter(
                f"Invalid completed value: '{completed}'. Valid values are true and false."
            )

        def keep(job: JobRecord) -> bool:
            return (statuscode is None or job.status(now) == statuscode) and (
                completed is None or job.completed(now) == (completed == "true")
            )

        marker = query.get("marker")
        found = await self.store.list_jobs_page(vault.name, now, marker, limit, keep)
        if found is None:
            raise invalid_parameter(f"Invalid marker: '{marker}'")
        page, following = found
        return wire.json_response(
            200,
            {
                "JobList": [job.describe(now) for job in page],
                "Marker": following,
            },
        )

    async def get_job_output(self, ctx: Ctx) -> web.StreamResponse:
        """Get Job Output (a Range of it), with its tree hash when aligned."""
        job = await self._job(ctx)
        now = self.now()
        status = job.status(now)
        if status == "InProgress":
            raise invalid_parameter(
                f"The job is not currently available for download: {job.job_id}"
            )
        if status == "Failed":
            raise invalid_parameter(f"The job failed and has no output: {job.job_id}")
        total = job.output_size
        first, last = 0, total - 1
        raw_range = ctx.request.headers.get("Range")
        partial = raw_range is not None
        if raw_range is not None:
            first, last = _parse_range(raw_range, total)
        archive = job.action == "ArchiveRetrieval"
        base = (job.range_start or 0) if archive else 0
        headers = {
            "Accept-Ranges": "bytes",
            "Content-Type": (
                "application/octet-stream"
                if archive
                else ("text/csv" if job.inventory_format == "CSV" else wire.JSON)
            ),
        }
        if archive:
            checksum = await self._output_checksum(job, base + first, base + last)
            if checksum is not None:
                headers["x-amz-sha256-tree-hash"] = checksum
            if job.archive_description:
                headers["x-amz-archive-description"] = job.archive_description
        if partial:
            headers["Content-Range"] = f"bytes {first}-{last}/{total}"
        response = web.StreamResponse(status=206 if partial else 200, headers=headers)
        length = last - first + 1
        response.content_length = length
        response.headers["x-amzn-RequestId"] = ctx.request_id
        loop = asyncio.get_running_loop()
        path = self.store.job_output_path(job.job_id)
        fd = await loop.run_in_executor(self.settings.executor, os.open, path, os.O_RDONLY)
        try:
            await send_answer(
                ctx.request,
                response,
                [(fd, base + first, length)],
                executor=self.settings.executor,
                throttle=ctx.throttle,
                fault=ctx.fault,
                what=f"job output {job.job_id}",
            )
        finally:
            await loop.run_in_executor(self.settings.executor, os.close, fd)
        return response

    async def _output_checksum(self, job: JobRecord, start: int, end: int) -> str | None:
        """The tree hash Glacier sends for archive bytes ``start..end`` (or None)."""
        size = job.archive_size or 0
        assert job.range_start is not None
        assert job.range_end is not None
        if not is_tree_hash_aligned(job.range_start, job.range_end, size):
            return None
        if not is_tree_hash_aligned(start, end, size):
            return None
        if start == 0 and end == size - 1:
            return job.archive_tree_hash
        if job.leaves is not None:
            leaves = [job.leaves[i : i + 32] for i in range(0, len(job.leaves), 32)]
            return range_tree_hash(leaves, start, end).hex()
        result = await tree_hash_file(
            self.store.job_output_path(job.job_id),
            executor=self.settings.executor,
            offset=start,
            length=end - start + 1,
        )
        return result.hex


def _parse_range(raw: str, total: int) -> tuple[int, int]:
    match = _RANGE.fullmatch(raw.strip())
    if match is None or (not match.group(1) and not match.group(2)):
        raise invalid_parameter(f"Invalid range: '{raw}'. Expected 'bytes=START-END'.")
    if not match.group(1):  # suffix range: the last N bytes
        count = int(match.group(2))
        first, last = max(total - count, 0), total - 1
    else:
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) else total - 1
        last = min(last, total - 1)
    if first > last or first >= total:
        raise invalid_parameter(f"Invalid range: '{raw}'. The job output is {total} bytes long.")
    return first, last


def render_inventory(arn: str, when: datetime, archives: list[ArchiveRecord], fmt: str) -> bytes:
    """A vault inventory document as Glacier writes it (JSON or CSV)."""
    if fmt == "CSV":
        lines = ["ArchiveId,ArchiveDescription,CreationDate,Size,SHA256TreeHash"]
        for a in archives:
            description = a.description.replace('"', '""')
            created = format_inventory_date(_parse_iso(a.created))
            lines.append(f'{a.archive_id},"{description}",{created},{a.size},{a.tree_hash}')
        return ("\n".join(lines) + "\n").encode()
    document = {
        "VaultARN": arn,
        "InventoryDate": format_inventory_date(when),
        "ArchiveList": [
            {
                "ArchiveId": a.archive_id,
                "ArchiveDescription": a.description,
                "CreationDate": format_inventory_date(_parse_iso(a.created)),
                "Size": a.size,
                "SHA256TreeHash": a.tree_hash,
            }
            for a in archives
        ],
    }
    return json.dumps(document, separators=(",", ":")).encode()


def _parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))

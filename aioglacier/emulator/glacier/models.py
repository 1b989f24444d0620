"""Records the emulator stores (one dataclass per sqlite table) and their JSON shapes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aioglacier.emulator.ids import format_date

__all__ = [
    "COMPLETED_UPLOAD_RETENTION",
    "INVENTORY_DELAY",
    "JOB_RETENTION",
    "TIER_DELAYS",
    "ArchiveRecord",
    "CompletedUpload",
    "JobRecord",
    "PartRecord",
    "StoredArchive",
    "UploadRecord",
    "VaultRecord",
    "vault_arn",
]

#: Realistic completion delays (scaled by the emulator's ``job_delay_scale``).
TIER_DELAYS: dict[str, timedelta] = {
    "Expedited": timedelta(minutes=3),
    "Standard": timedelta(hours=4),
    "Bulk": timedelta(hours=12),
}
INVENTORY_DELAY = timedelta(hours=4)
#: A job (and its output) disappears this long after it completed, as on AWS.
JOB_RETENTION = timedelta(hours=24)
#: How long a repeated Complete Multipart Upload still answers with the archive it created.
#: AWS documents that a repeated Complete "within a short period" returns the same archive ID,
#: and gives no number; the emulator keeps the answer this long (by its clock), and a client
#: must not count on more than seconds to minutes.
COMPLETED_UPLOAD_RETENTION = timedelta(hours=1)


def vault_arn(region: str, account: str, name: str) -> str:
    """``arn:aws:glacier:REGION:ACCOUNT:vaults/NAME``."""
    return f"arn:aws:glacier:{region}:{account}:vaults/{name}"


@dataclass(frozen=True)
class VaultRecord:
    """A vault, with its live archive count and size."""

    name: str
    region: str
    account: str
    created: str
    last_inventory: str | None = None
    num_archives: int = 0
    size: int = 0

    @property
    def arn(self) -> str:
        """The vault's ARN."""
        return vault_arn(self.region, self.account, self.name)

    def describe(self) -> dict[str, Any]:
        """The Describe Vault / List Vaults element."""
        return {
            "CreationDate": self.created,
            "LastInventoryDate": self.last_inventory,
            "NumberOfArchives": self.num_archives,
            "SizeInBytes": self.size,
            "VaultARN": self.arn,
            "VaultName": self.name,
        }


@dataclass(frozen=True)
class ArchiveRecord:
    """An archive's metadata; ``leaves`` are the 1 MiB leaf hashes (None when not computed)."""

    archive_id: str
    vault: str
    description: str
    created: str
    size: int
    tree_hash: str
    leaves: bytes | None


@dataclass(frozen=True)
class StoredArchive:
    """Read-only view of a stored archive, for tests (see ``Emulator.archives``)."""

    archive_id: str
    description: str
    size: int
    sha256_tree_hash: str
    creation_date: str


@dataclass(frozen=True)
class UploadRecord:
    """A multipart upload in progress."""

    upload_id: str
    vault: str
    arn: str
    description: str
    part_size: int
    created: str

    def describe(self) -> dict[str, Any]:
        """The List Multipart Uploads element."""
        return {
            "ArchiveDescription": self.description,
            "CreationDate": self.created,
            "MultipartUploadId": self.upload_id,
            "PartSizeInBytes": self.part_size,
            "VaultARN": self.arn,
        }


@dataclass(frozen=True)
class CompletedUpload:
    """A multipart upload that was completed: what a repeated Complete answers with."""

    upload_id: str
    vault: str
    archive_id: str
    size: int
    tree_hash: str
    completed_at: datetime


@dataclass(frozen=True)
class PartRecord:
    """One uploaded part: byte range ``[start, start + size)``."""

    start: int
    size: int
    tree_hash: str
    leaves: bytes | None

    @property
    def range(self) -> str:
        """``first-last`` as ListParts' ``RangeInBytes``."""
        return f"{self.start}-{self.start + self.size - 1}"


@dataclass(frozen=True)
class JobRecord:
    """A job; its status is derived from the clock (``complete_at``) when described."""

    job_id: str
    vault: str
    vault_arn: str
    action: str  # "ArchiveRetrieval" | "InventoryRetrieval"
    description: str | None
    created_at: datetime
    complete_at: datetime
    failed: bool
    sns_topic: str | None
    tier: str | None
    # archive retrieval
    archive_id: str | None = None
    archive_size: int | None = None
    archive_tree_hash: str | None = None
    range_start: int | None = None
    range_end: int | None = None
    range_tree_hash: str | None = None
    leaves: bytes | None = None
    archive_description: str | None = None
    # inventory retrieval
    inventory_format: str | None = None
    inventory_size: int | None = None
    inventory_params: str | None = None  # JSON of InventoryRetrievalParameters

    def completed(self, now: datetime) -> bool:
        """Whether the job has finished at ``now``."""
        return now >= self.complete_at

    def status(self, now: datetime) -> str:
        """``InProgress``, ``Succeeded`` or ``Failed``."""
        if not self.completed(now):
            return "InProgress"
        return "Failed" if self.failed else "Succeeded"

    def expired(self, now: datetime) -> bool:
        """Whether the job is gone (24 hours after completion)."""
        return now >= self.complete_at + JOB_RETENTION

    @property
    def output_size(self) -> int:
        """Bytes of job output."""
        if self.action == "ArchiveRetrieval":
            assert self.range_start is not None
            assert self.range_end is not None
            return self.range_end - self.range_start + 1
        return self.inventory_size or 0

    def describe(self, now: datetime) -> dict[str, Any]:
        """The Describe Job / List Jobs element, as AWS returns it (nulls included)."""
        status = self.status(now)
        done = status != "InProgress"
        archive = self.action == "ArchiveRetrieval"
        whole = archive and self.range_start == 0 and self.range_end == (self.archive_size or 0) - 1
        hidden = not archive or (whole and not done)
        sha256_tree_hash = None if hidden else self.range_tree_hash
        result: dict[str, Any] = {
            "Action": self.action,
            "ArchiveId": self.archive_id,
            "ArchiveSHA256TreeHash": self.archive_tree_hash,
            "ArchiveSizeInBytes": self.archive_size,
            "Completed": done,
            "CompletionDate": format_date(self.complete_at) if done else None,
            "CreationDate": format_date(self.created_at),
            "InventorySizeInBytes": (
                self.inventory_size if (not archive and status == "Succeeded") else None
            ),
            "JobDescription": self.description,
            "JobId": self.job_id,
            "RetrievalByteRange": (f"{self.range_start}-{self.range_end}" if archive else None),
            "SHA256TreeHash": sha256_tree_hash,
            "SNSTopic": self.sns_topic,
            "StatusCode": status,
            "StatusMessage": _STATUS_MESSAGES[status],
            "Tier": self.tier,
            "VaultARN": self.vault_arn,
        }
        if not archive:
            params = json.loads(self.inventory_params) if self.inventory_params else {}
            result["InventoryRetrievalParameters"] = {
                "EndDate": params.get("EndDate"),
                "Format": self.inventory_format,
                "Limit": params.get("Limit"),
                "Marker": params.get("Marker"),
                "StartDate": params.get("StartDate"),
            }
        return result


_STATUS_MESSAGES = {
    "InProgress": "Operation in progress.",
    "Succeeded": "Succeeded",
    "Failed": "Failed: the emulator's fault plan failed this job",
}


def utc(dt: datetime) -> datetime:
    """``dt`` as an aware UTC datetime."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)

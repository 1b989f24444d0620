"""Vault inventories: inventory-retrieval jobs, their output, and a journal rebuilt from it.

Only a vault has these (``Capabilities.inventory``): an S3 bucket is listed page by page.
"""

from __future__ import annotations

from concurrent.futures import Executor
from pathlib import Path
from typing import Any

from aioglacier.backends.glacier.api import GlacierApi
from aioglacier.errors import AioGlacierError, RemoteError
from aioglacier.inventory import Inventory, inventory_to_records, parse_inventory
from aioglacier.journal.writer import refuse_nonempty_journal, write_new_journal
from aioglacier.polling import NO_WAIT, Polling
from aioglacier.progress import Message, ProgressSink, null_sink
from aioglacier.retry import RetryPolicy
from aioglacier.treehash import tree_hash

__all__ = ["download_inventory", "list_all_jobs", "newest_inventory", "retrieve_inventory"]


def _observed(api: GlacierApi, progress: ProgressSink) -> GlacierApi:
    """``api`` reporting its retries to ``progress`` (as Retrying events)."""
    return api if progress is null_sink else api.bind(listener=progress)


async def list_all_jobs(api: GlacierApi, vault: str, **filters: Any) -> list[dict[str, Any]]:
    """Every job of ``vault``, following every page of List Jobs."""
    return [job async for job in api.list_jobs(vault, **filters)]


async def retrieve_inventory(api: GlacierApi, vault: str, *, format: str = "JSON") -> str:
    """Start an inventory-retrieval job; returns its job id."""
    fmt = format.upper()
    if fmt not in ("JSON", "CSV"):
        raise AioGlacierError(f"inventory format must be json or csv, got {format!r}")
    return await api.initiate_job(vault, {"Type": "inventory-retrieval", "Format": fmt})


async def _read_job_output(api: GlacierApi, vault: str, job_id: str, deadline_at: float) -> bytes:
    async with api.job_output(vault, job_id, deadline_at=deadline_at) as out:
        data = await out.read()
        header = out.tree_hash
    if header is not None and header != tree_hash(data).hex():
        raise RemoteError(
            "TreeHashMismatch", "inventory body does not match its tree hash", retryable=True
        )
    return data


async def download_inventory(
    api: GlacierApi,
    *,
    vault: str,
    new_journal: Path,
    polling: Polling = NO_WAIT,
    retry: RetryPolicy | None = None,
    executor: Executor | None = None,
    progress: ProgressSink = null_sink,
) -> int:
    """mtglacier's ``download-inventory``: rebuild a journal from the newest inventory
    (waiting for one in progress as ``polling`` says).

    ``new_journal`` must not exist or be empty. Returns the number of records written.
    """
    api = _observed(api, progress)
    await refuse_nonempty_journal(new_journal, executor)
    inventory = await newest_inventory(api, vault, polling=polling, retry=retry, progress=progress)
    records, warnings = inventory_to_records(inventory)
    for warning in warnings:
        progress(Message(warning, "warning"))
    await write_new_journal(new_journal, records, executor)
    return len(records)


async def newest_inventory(
    api: GlacierApi,
    vault: str,
    *,
    polling: Polling = NO_WAIT,
    retry: RetryPolicy | None = None,
    progress: ProgressSink = null_sink,
) -> Inventory:
    """The output of the newest completed inventory job of ``vault``, parsed.

    With ``polling.wait``, polls while an inventory job is in progress.

    Raises:
        AioGlacierError: no completed inventory job (and none in progress, or no ``wait``).
        InventoryError: the inventory does not parse.
    """
    round_number = 0
    while True:
        jobs = await list_all_jobs(api, vault)
        inventories = [j for j in jobs if j.get("Action") == "InventoryRetrieval"]
        done = [j for j in inventories if j.get("StatusCode") == "Succeeded"]
        if done:
            break
        in_progress = any(j.get("StatusCode") == "InProgress" for j in inventories)
        if not polling.wait or not in_progress:
            raise AioGlacierError(
                "no completed inventory job"
                + (
                    " (one is in progress; try --wait)"
                    if in_progress
                    else "; run retrieve-inventory"
                )
            )
        delay = polling.delay(round_number)
        round_number += 1
        progress(Message(f"waiting for the inventory job; next check in {delay:.0f} s"))
        await polling.sleep(delay)
    newest = max(done, key=lambda j: str(j.get("CompletionDate") or j.get("CreationDate") or ""))
    job_id = str(newest["JobId"])
    data = await api.retried(
        "get_job_output",
        lambda deadline_at: _read_job_output(api, vault, job_id, deadline_at),
        policy=retry,
    )
    fmt = str((newest.get("InventoryRetrievalParameters") or {}).get("Format") or "") or None
    return parse_inventory(data, format="CSV" if fmt == "CSV" else "JSON" if fmt else None)

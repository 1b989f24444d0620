"""The CLI's command handlers (imported only when a command runs, see :mod:`aioglacier.cli`).

Each handler is a thin layer: validate what argparse cannot, call the library, render, and
return the exit code.
"""

from __future__ import annotations

import asyncio
import io
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from aioglacier.config import DEFAULT_REGION, ClientSettings
from aioglacier.errors import UsageError
from aioglacier.invocation import EXIT_FAILURE, EXIT_OK, Invocation

if TYPE_CHECKING:
    from aioglacier.client import Client, Target
    from aioglacier.costs import PriceTable
    from aioglacier.engine import SyncResult
    from aioglacier.engine.run import OperationResult
    from aioglacier.progress import Retrying
    from aioglacier.render import Renderer

T = TypeVar("T")


def _settings(inv: Invocation) -> ClientSettings:
    """Client settings from the merged options."""
    from aioglacier.sigv4 import Credentials

    key, secret, token = inv.get("key"), inv.get("secret"), inv.get("token")
    credentials = None
    if key or secret:
        if not (key and secret):
            raise UsageError("please specify both --key and --secret")
        credentials = Credentials(access_key=key, secret_key=secret, token=token or None)
    kwargs: dict[str, Any] = {
        "region": inv.get("region") or DEFAULT_REGION,
        "endpoint_url": inv.get("endpoint-url"),
        "credentials": credentials,
        "profile": inv.get("profile"),
        "protocol": inv.get("protocol") or "https",
    }
    if inv.get("concurrency") is not None:
        kwargs["concurrency"] = inv.get("concurrency")
    if inv.get("partsize") is not None:
        kwargs["part_size"] = inv.get("partsize") * 1024 * 1024
    if inv.get("checksum-mode") is not None:
        kwargs["s3_checksum_mode"] = inv.get("checksum-mode")
    if inv.get("addressing") is not None:
        kwargs["s3_addressing"] = inv.get("addressing")
    if inv.get("bwlimit") is not None:
        kwargs["bwlimit"] = inv.get("bwlimit")
    timeout = inv.get("timeout")  # mtglacier's: the first-byte and stall limits both
    for option, field in (
        ("connect-timeout", "connect_timeout"),
        ("first-byte-timeout", "first_byte_timeout"),
        ("stall-timeout", "stall_timeout"),
        ("request-deadline", "request_deadline"),
    ):
        value = inv.get(option)
        if value is None and field in ("first_byte_timeout", "stall_timeout"):
            value = timeout
        if value is not None:
            kwargs[field] = value
    return ClientSettings(**kwargs)


def _target(inv: Invocation) -> Target:
    """The vault (``--vault``) or the bucket (``--bucket`` and its options) of a command."""
    from aioglacier.backends.s3.target import BucketTarget

    vault, bucket = inv.get("vault"), inv.get("bucket")
    if vault is not None and bucket is not None:
        raise UsageError("please specify --vault or --bucket, not both")
    if bucket is None:
        for option in ("prefix", "storage-class", "restore-days", "checksum-mode", "addressing"):
            if inv.get(option) is not None:
                raise UsageError(f"--{option} goes with --bucket")
        if vault is None:
            raise UsageError("please specify --vault (or --bucket)")
        return str(vault)
    kwargs: dict[str, Any] = {"bucket": bucket, "prefix": inv.get("prefix") or ""}
    if inv.get("storage-class") is not None:
        kwargs["storage_class"] = inv.get("storage-class")
    if inv.get("restore-days") is not None:
        kwargs["restore_days"] = inv.get("restore-days")
    return BucketTarget(**kwargs)


def _price_table(inv: Invocation) -> PriceTable | None:
    """With ``--dry-run``: the prices of the cost estimate (``--price-table`` over the
    built-in table); else none (a missing or bad file is an error only in a dry run)."""
    if not inv.get("dry-run"):
        return None
    from aioglacier.costs import load_price_table

    return load_price_table(inv.get("price-table"))


def _renderer(inv: Invocation) -> Renderer:
    from aioglacier.render import make_renderer

    return make_renderer(inv.stdout, inv.stderr, json_lines=inv.json, quiet=inv.quiet)


def _client(inv: Invocation) -> Client:
    from aioglacier.client import Client

    return Client(_settings(inv), on_retry=lambda event: _retry_note(inv, event))


async def _rendered(inv: Invocation, call: Callable[[Client, Renderer], Awaitable[T]]) -> T:
    """``call(client, renderer)``: a command's run, in a client and a progress renderer of
    ``inv`` (both closed when it ends)."""
    async with _client(inv) as client:
        with _renderer(inv) as render:
            return await call(client, render)


def _retry_note(inv: Invocation, event: Retrying) -> None:
    """A retry of a command that has no progress display: one line on standard error."""
    if inv.json:
        import json

        from aioglacier.progress import event_to_json

        print(json.dumps(event_to_json(event)), file=inv.stderr, flush=True)
    else:
        inv.note(event.describe())


def _summary(inv: Invocation, result: SyncResult) -> None:
    if inv.json:
        return
    parts = [
        f"{len(result.uploaded)} uploaded",
        f"{len(result.replaced)} replaced",
        f"{len(result.deleted)} deleted",
        f"{len(result.skipped)} skipped",
        f"{len(result.failed)} failed",
    ]
    mib = result.bytes_uploaded / 1048576
    rate = mib / result.seconds if result.seconds > 0 else 0.0
    inv.err(f"sync: {', '.join(parts)}; {mib:.1f} MiB in {result.seconds:.1f} s ({rate:.1f} MiB/s)")
    for failure in result.failed:
        inv.err(f"  FAILED {failure.relfilename}: {failure.reason}")


async def cmd_sync(inv: Invocation) -> int:
    inv.require("dir", "journal")
    target = _target(inv)
    directory = inv.get("dir")
    if not await asyncio.to_thread(os.path.isdir, directory):
        raise UsageError(f"--dir {directory}: not a directory")
    new = inv.get("new")
    replace_modified = bool(inv.get("replace-modified"))
    delete_removed = bool(inv.get("delete-removed"))
    if inv.get("detect") != "mtime-and-treehash" and not replace_modified:
        raise UsageError("--detect can be used only together with --replace-modified")
    filters = inv.get("filters") or []
    result = await _rendered(
        inv,
        lambda client, render: client.sync(
            directory,
            target,
            inv.get("journal"),
            new=True if new else None,
            replace_modified=replace_modified,
            delete_removed=delete_removed,
            detect=inv.get("detect"),
            filters=filters,
            follow=bool(inv.get("follow")),
            dry_run=bool(inv.get("dry-run")),
            max_number_of_files=inv.get("max-number-of-files"),
            progress=render,
            price_table=_price_table(inv),
        ),
    )
    _summary(inv, result)
    return EXIT_OK if result.ok else EXIT_FAILURE


async def cmd_upload_file(inv: Invocation) -> int:
    inv.require("journal")
    target = _target(inv)
    filename, stdin = inv.get("filename"), bool(inv.get("stdin"))
    relname, directory = inv.get("set-rel-filename"), inv.get("dir")
    if bool(filename) == stdin:
        raise UsageError("please specify either --filename or --stdin")
    if relname and directory:
        raise UsageError("--set-rel-filename and --dir are mutually exclusive")
    path: str | None = None
    stream = None
    max_size: int | None = None
    if stdin:
        if not relname:
            raise UsageError("need to use --set-rel-filename together with --stdin")
        max_mib = inv.get("check-max-file-size")
        if max_mib is None:
            raise UsageError("need to use --check-max-file-size together with --stdin")
        stream = sys.stdin.buffer.read
        max_size = max_mib * 1024 * 1024
    else:
        path = filename
        if not await asyncio.to_thread(os.path.isfile, path):
            raise UsageError(f"--filename {path}: not a file")
        if not relname:
            if not directory:
                raise UsageError("please specify --set-rel-filename or --dir")
            rel = await asyncio.to_thread(_relative_to, path, directory)
            if rel == ".." or rel.startswith(".." + os.sep):
                raise UsageError("the file given with --filename should be inside --dir")
            relname = rel.replace(os.sep, "/")
    result = await _rendered(
        inv,
        lambda client, render: client.upload_file(
            target,
            inv.get("journal"),
            relname,
            path=path,
            stream=stream,
            max_size=max_size,
            progress=render,
        ),
    )
    inv.note(f"upload-file: {result.relfilename} archive {result.archive_id}")
    return EXIT_OK


def _relative_to(path: str, directory: str) -> str:
    return os.path.relpath(os.path.abspath(path), os.path.abspath(directory))


async def _on_named_store(
    inv: Invocation, option: str, act: Callable[[Client, str], Awaitable[object]], note: str
) -> int:
    """One call on the vault or bucket named by ``option``; then ``note`` (``{}``: the name)."""
    name = str(inv.get(option))  # checked by the parser
    async with _client(inv) as client:
        await act(client, name)
    inv.note(note.format(name))
    return EXIT_OK


async def cmd_create_vault(inv: Invocation) -> int:
    return await _on_named_store(
        inv, "vault-name", lambda client, name: client.create_vault(name), "created vault {}"
    )


async def cmd_delete_vault(inv: Invocation) -> int:
    return await _on_named_store(
        inv, "vault-name", lambda client, name: client.delete_vault(name), "deleted vault {}"
    )


async def cmd_create_bucket(inv: Invocation) -> int:
    versioning = bool(inv.get("versioning"))
    return await _on_named_store(
        inv,
        "bucket-name",
        lambda client, name: client.create_bucket(name, versioning=versioning),
        "created bucket {}" + (" (versioned)" if versioning else ""),
    )


async def cmd_list_vaults(inv: Invocation) -> int:
    async with _client(inv) as client:
        vaults = await client.list_vaults()
    if inv.json:
        for v in vaults:
            inv.out_json(v.__dict__)
        return EXIT_OK
    for v in vaults:
        inv.row(
            v.name,
            f"{v.number_of_archives} archives",
            f"{v.size_in_bytes} bytes",
            f"created {v.creation_date}",
            f"inventory {v.last_inventory_date or 'never'}",
        )
    return EXIT_OK


def _op_summary(inv: Invocation, name: str, result: OperationResult, verb: str) -> int:
    if not inv.json:
        inv.err(
            f"{name}: {len(result.done)} {verb}, {len(result.skipped)} skipped, "
            f"{len(result.failed)} failed; {result.bytes_done / 1048576:.1f} MiB in "
            f"{result.seconds:.1f} s"
        )
        for failure in result.failed:
            inv.err(f"  FAILED {failure.relfilename}: {failure.detail}")
    return EXIT_OK if result.ok else EXIT_FAILURE


async def _existing_journal(inv: Invocation) -> str:
    journal = str(inv.get("journal"))
    if not await asyncio.to_thread(os.path.isfile, journal):
        raise UsageError(f"--journal {journal}: journal file not found")
    return journal


async def _existing_dir(inv: Invocation) -> str:
    directory = str(inv.get("dir"))
    if not await asyncio.to_thread(os.path.isdir, directory):
        raise UsageError(f"--dir {directory}: not a directory")
    return directory


async def cmd_restore(inv: Invocation) -> int:
    inv.require("dir", "journal", "max-number-of-files")
    target = _target(inv)
    if (
        not isinstance(target, str)
        and target.storage_class == "DEEP_ARCHIVE"
        and inv.get("tier") == "Expedited"
    ):
        raise UsageError(
            "the Expedited tier is not offered for DEEP_ARCHIVE (use Standard, about 12 hours, "
            "or Bulk, about 48 hours)"
        )
    directory, journal = await _existing_dir(inv), await _existing_journal(inv)
    result = await _rendered(
        inv,
        lambda client, render: client.restore(
            directory,
            target,
            journal,
            max_number_of_files=inv.get("max-number-of-files"),
            tier=inv.get("tier"),
            filters=inv.get("filters") or [],
            dry_run=bool(inv.get("dry-run")),
            progress=render,
            price_table=_price_table(inv),
            escape_windows_names=bool(inv.get("escape-windows-names")),
        ),
    )
    return _op_summary(inv, "restore", result, "retrieval jobs started")


async def cmd_restore_completed(inv: Invocation) -> int:
    inv.require("dir", "journal")
    target = _target(inv)
    directory, journal = await _existing_dir(inv), await _existing_journal(inv)
    segment = inv.get("segment-size")
    result = await _rendered(
        inv,
        lambda client, render: client.restore_completed(
            directory,
            target,
            journal,
            segment_size=segment * 1024 * 1024 if segment else None,
            filters=inv.get("filters") or [],
            dry_run=bool(inv.get("dry-run")),
            wait=bool(inv.get("wait")),
            progress=render,
            escape_windows_names=bool(inv.get("escape-windows-names")),
        ),
    )
    return _op_summary(inv, "restore-completed", result, "downloaded")


async def cmd_migrate(inv: Invocation) -> int:
    from aioglacier.backends.s3.target import BucketTarget
    from aioglacier.costs import load_price_table
    from aioglacier.engine.migrate import DEFAULT_MIGRATE_SEGMENT

    inv.require("vault", "journal", "bucket")
    journal = await _existing_journal(inv)
    kwargs: dict[str, Any] = {"bucket": inv.get("bucket"), "prefix": inv.get("prefix") or ""}
    if inv.get("storage-class") is not None:
        kwargs["storage_class"] = inv.get("storage-class")
    bucket = BucketTarget(**kwargs)
    segment = inv.get("segment-size")
    table = await asyncio.to_thread(load_price_table, inv.get("price-table"))
    result = await _rendered(
        inv,
        lambda client, render: client.migrate(
            str(inv.get("vault")),
            journal,
            bucket,
            new_journal=inv.get("new-journal"),
            tier=inv.get("tier"),
            filters=inv.get("filters") or [],
            max_number_of_files=inv.get("max-number-of-files"),
            segment_size=segment * 1024 * 1024 if segment else DEFAULT_MIGRATE_SEGMENT,
            delete_source=bool(inv.get("delete-source")),
            dry_run=bool(inv.get("dry-run")),
            wait=bool(inv.get("wait")),
            price_table=table,
            progress=render,
        ),
    )
    if result.planned and not inv.json:
        inv.err(f"migrate: {len(result.planned)} archives to migrate (dry run: nothing asked)")
    return _op_summary(inv, "migrate", result, "migrated")


async def cmd_migration_names(inv: Invocation) -> int:
    from aioglacier.engine.migrate import migration_names, write_migration_names
    from aioglacier.filters import Filter
    from aioglacier.journal import load_journal

    inv.require("journal")
    journal = await _existing_journal(inv)
    state = await load_journal(journal, skip_bad_names=True)
    for message in state.skipped:
        inv.err(f"aioglacier: left out: {message}")
    flt = Filter.from_options(inv.get("filters") or [])
    rows = migration_names(state, prefix=inv.get("prefix"), filter=None if flt.empty else flt)
    # The CSV is data for another program: written as is (RFC 4180 quoting), not made
    # printable; one write.
    buffer = io.StringIO()
    left_out = write_migration_names(rows, buffer)
    inv.stdout.write(buffer.getvalue())
    inv.stdout.flush()
    for row in left_out:
        inv.err(f"aioglacier: left out: archive {row.archive_id}: {row.problem}")
    return EXIT_FAILURE if left_out or state.skipped else EXIT_OK


async def cmd_check_local_hash(inv: Invocation) -> int:
    from aioglacier.checklocal import (
        CheckResult,
        check_local_hash,
        format_lines,
        format_summary,
    )
    from aioglacier.filters import Filter
    from aioglacier.journal import load_journal

    inv.require("dir", "journal")
    directory, journal = await _existing_dir(inv), await _existing_journal(inv)
    state = await load_journal(journal, skip_bad_names=True)
    for message in state.skipped:
        inv.err(f"aioglacier: warning: {message}")
    flt = Filter.from_options(inv.get("filters") or [])

    def write(results: Sequence[CheckResult]) -> None:
        # One write per chunk of results (hundreds of lines), not one per line.
        if results:
            inv.stdout.write(format_lines(results))
            inv.stdout.flush()

    summary = await check_local_hash(
        state,
        Path(directory),
        filter=None if flt.empty else flt,
        on_results=write,
        follow_symlinks=True,  # as the upload walk (and mtglacier) reads linked files
    )
    for line in format_summary(summary):
        inv.out(line)
    return EXIT_OK if summary.ok else EXIT_FAILURE


async def cmd_purge_vault(inv: Invocation) -> int:
    inv.require("journal")
    target = _target(inv)
    journal = await _existing_journal(inv)
    result = await _rendered(
        inv,
        lambda client, render: client.purge_vault(
            target,
            journal,
            filters=inv.get("filters") or [],
            dry_run=bool(inv.get("dry-run")),
            progress=render,
            price_table=_price_table(inv),
        ),
    )
    return _op_summary(inv, "purge-vault", result, "archives deleted")


async def cmd_retrieve_inventory(inv: Invocation) -> int:
    inv.require("vault")
    async with _client(inv) as client:
        job_id = await client.retrieve_inventory(
            inv.get("vault"), format=str(inv.get("request-inventory-format")).upper()
        )
    inv.out(f"inventory retrieval job {job_id}")
    return EXIT_OK


async def cmd_download_inventory(inv: Invocation) -> int:
    inv.require("new-journal")
    target = _target(inv)
    async with _client(inv) as client:
        with _renderer(inv) as render:
            count = await client.download_inventory(
                target,
                inv.get("new-journal"),
                wait=bool(inv.get("wait")),
                progress=render,
            )
    inv.note(f"download-inventory: {count} archives written to {inv.get('new-journal')}")
    return EXIT_OK


async def cmd_list_orphans(inv: Invocation) -> int:
    inv.require("journal")
    target = _target(inv)
    journal = await _existing_journal(inv)
    async with _client(inv) as client:
        with _renderer(inv) as render:
            report = await client.list_orphans(
                target, journal, wait=bool(inv.get("wait")), progress=render
            )
    for a in report.archives:
        if inv.json:
            inv.out_json({"kind": "archive", **a.__dict__})
        else:
            verdict = "ours" if a.ours else "unknown"
            inv.row("archive", a.archive_id, a.size, a.creation_date, _name(a.name), verdict)
    for u in report.uploads:
        if inv.json:
            inv.out_json({"kind": "upload", **u.__dict__})
        else:
            verdict = "ours" if u.ours else "unknown"
            inv.row("upload", u.upload_id, "-", u.creation_date, _name(u.name), verdict)
    if not inv.json and not isinstance(target, str):
        inv.note(
            f"list-orphans: {len(report.uploads)} multipart uploads in progress in {target} "
            f"not in the resume store ({sum(u.ours for u in report.uploads)} ours)"
        )
    elif not inv.json:
        ours = sum(a.ours for a in report.archives)
        inv.note(
            f"list-orphans: {len(report.archives)} orphan archives "
            f"({report.orphan_bytes / 1048576:.1f} MiB, {ours} ours) in the inventory of "
            f"{report.inventory_date or '(CSV: no date)'}; {len(report.uploads)} multipart "
            f"uploads in progress not in the resume store ({sum(u.ours for u in report.uploads)} "
            "ours)"
        )
    return EXIT_OK


def _name(name: str | None) -> str:
    return "-" if name is None else name


async def cmd_purge_orphans(inv: Invocation) -> int:
    inv.require("journal")
    target = _target(inv)
    journal = await _existing_journal(inv)
    result = await _rendered(
        inv,
        lambda client, render: client.purge_orphans(
            target,
            journal,
            all_orphans=bool(inv.get("all-orphans")),
            dry_run=bool(inv.get("dry-run")),
            wait=bool(inv.get("wait")),
            progress=render,
        ),
    )
    return _op_summary(inv, "purge-orphans", result, "orphans removed")


async def cmd_list_jobs(inv: Invocation) -> int:
    target = _target(inv)
    async with _client(inv) as client:
        jobs = await client.list_jobs(target)
    for job in jobs:
        if inv.json:
            inv.out_json(job, sort_keys=True)
        elif not isinstance(target, str):
            inv.row(job["Key"], job["StatusCode"], job["ExpiryDate"] or "-", job["StorageClass"])
        else:
            what = job.get("ArchiveId") if job.get("Action") == "ArchiveRetrieval" else "inventory"
            inv.row(
                job.get("JobId"),
                job.get("Action"),
                job.get("StatusCode"),
                job.get("Tier") or "-",
                job.get("CreationDate"),
                what,
            )
    return EXIT_OK


async def cmd_emulator(inv: Invocation) -> int:
    from aioglacier.emulator import parse_fault_spec, run_emulator_forever

    inv.require("data-dir")
    faults = parse_fault_spec(inv.get("faults")) if inv.get("faults") else None
    # This process is the server: a short GIL switch interval lets its I/O threads (file writes,
    # sqlite, hashing) hand results back to the loop promptly, as `python -m
    # aioglacier.emulator` does.
    sys.setswitchinterval(0.0002)
    await run_emulator_forever(
        inv.get("data-dir"),
        host=inv.get("host"),
        port=inv.get("port"),
        job_delay_scale=inv.get("job-delay-scale"),
        faults=faults,
        print_fn=inv.out,
    )
    return EXIT_OK

"""The ``aioglacier`` command line: mt-aws-glacier's commands and options over the library.

The CLI is thin: it parses options (command line first, then the ``--config`` file, then
defaults), calls the library, renders progress and maps outcomes to exit codes: 0 success,
1 failure, 2 usage error. An error is one line on stderr; ``--debug`` adds the traceback.
uvloop runs the CLI's event loop; the library itself never installs a loop policy.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import sys
import traceback
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from aioglacier import __version__
from aioglacier.config import (
    DEFAULT_CONCURRENCY,
    DEFAULT_PARTSIZE_MIB,
    DEFAULT_REGION,
    SECRET_CONFIG_KEYS,
    ClientSettings,
    read_config_file,
)
from aioglacier.errors import AioGlacierError, ConfigError, UsageError
from aioglacier.planner import DETECT_MODES
from aioglacier.sigv4 import Credentials

if TYPE_CHECKING:
    # Network commands import these when they run: tree-hash, check-local-hash and --help start
    # without paying for aiohttp and rich.
    from aioglacier.client import Client
    from aioglacier.engine import SyncResult
    from aioglacier.render import Renderer
    from aioglacier.restore import OperationResult

__all__ = ["Command", "Invocation", "build_parser", "main"]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


# --------------------------------------------------------------------------------------------
# Option definitions (mtglacier's names; aliases are its deprecated spellings)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def _power_of_two_mib(text: str) -> int:
    value = _positive_int(text)
    if value & (value - 1) or value > 4096:
        raise argparse.ArgumentTypeError(
            f"must be a power of two from 1 to 4096 (MiB), got {text!r}"
        )
    return value


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {text!r}")
    return value


@dataclass(frozen=True)
class Opt:
    """One option: its flags, how to convert a value, its default and help text."""

    name: str
    flags: tuple[str, ...]
    help: str
    convert: Callable[[str], Any] = str
    default: Any = None
    flag: bool = False
    repeat: bool = False
    metavar: str | None = None
    choices: tuple[str, ...] | None = None


OPTIONS: dict[str, Opt] = {
    o.name: o
    for o in (
        Opt("config", ("--config",), "mtglacier config file (key=value lines)", metavar="FILE"),
        Opt("dir", ("--dir", "--from-dir", "--to-dir"), "local directory", metavar="DIR"),
        Opt("vault", ("--vault", "--to-vault"), "vault name", metavar="NAME"),
        Opt("journal", ("--journal",), "journal file (mtglacier format)", metavar="FILE"),
        Opt(
            "concurrency",
            ("--concurrency",),
            f"HTTP requests in flight (default {DEFAULT_CONCURRENCY})",
            convert=_positive_int,
            default=DEFAULT_CONCURRENCY,
            metavar="N",
        ),
        Opt(
            "partsize",
            ("--partsize",),
            f"multipart part size in MiB, a power of two (default {DEFAULT_PARTSIZE_MIB})",
            convert=_power_of_two_mib,
            default=DEFAULT_PARTSIZE_MIB,
            metavar="MIB",
        ),
        Opt(
            "endpoint-url",
            ("--endpoint-url",),
            "service URL, or local:DIR for the embedded emulator with its data in DIR",
            metavar="URL",
        ),
        Opt("region", ("--region",), "AWS region (default us-east-1)", metavar="REGION"),
        Opt("key", ("--key",), "AWS access key id", metavar="KEY"),
        Opt("secret", ("--secret",), "AWS secret access key", metavar="SECRET"),
        Opt("token", ("--token",), "AWS session token", metavar="TOKEN"),
        Opt("profile", ("--profile",), "profile of the AWS shared config files", metavar="NAME"),
        Opt(
            "protocol",
            ("--protocol",),
            "http or https for AWS endpoints (default https)",
            choices=("http", "https"),
        ),
        Opt("data-dir", ("--data-dir",), "directory where the emulator keeps its data"),
        Opt("host", ("--host",), "address to bind (default 127.0.0.1)", default="127.0.0.1"),
        Opt("port", ("--port",), "port to bind (default 0: any free port)", convert=int, default=0),
        Opt(
            "job-delay-scale",
            ("--job-delay-scale",),
            "scale of AWS's job delays (0: jobs complete at once; 1: real hours)",
            convert=_non_negative_float,
            default=0.0,
        ),
        Opt("faults", ("--faults",), "fault-injection plan (see docs/emulator.md)", metavar="SPEC"),
        Opt("new", ("--new",), "upload files not in the journal (default)", flag=True),
        Opt(
            "replace-modified",
            ("--replace-modified",),
            "upload modified files again, then delete their old archives",
            flag=True,
        ),
        Opt(
            "delete-removed",
            ("--delete-removed",),
            "delete archives of files removed locally",
            flag=True,
        ),
        Opt(
            "detect",
            ("--detect",),
            "how --replace-modified detects a modified file (default mtime-and-treehash)",
            choices=DETECT_MODES,
            default="mtime-and-treehash",
        ),
        Opt("dry-run", ("--dry-run",), "print what would be done; change nothing", flag=True),
        Opt(
            "max-number-of-files",
            ("--max-number-of-files",),
            "process at most N files",
            convert=_positive_int,
            metavar="N",
        ),
        Opt("follow", ("--follow",), "follow symbolic links to directories", flag=True),
        Opt("filename", ("--filename",), "the file to upload", metavar="FILE"),
        Opt(
            "set-rel-filename",
            ("--set-rel-filename",),
            "name of the file in the journal and the vault",
            metavar="NAME",
        ),
        Opt("stdin", ("--stdin",), "read the data to upload from standard input", flag=True),
        Opt(
            "check-max-file-size",
            ("--check-max-file-size",),
            "with --stdin: the largest size in MiB accepted",
            convert=_positive_int,
            metavar="MIB",
        ),
        Opt(
            "tier",
            ("--tier",),
            "retrieval tier: Expedited, Standard or Bulk (default: the vault's default, Standard)",
            choices=("Expedited", "Standard", "Bulk"),
        ),
        Opt(
            "segment-size",
            ("--segment-size",),
            "download in parallel ranged segments of this many MiB (a power of two)",
            convert=_power_of_two_mib,
            metavar="MIB",
        ),
        Opt("wait", ("--wait",), "poll until the jobs complete, then go on", flag=True),
        Opt("new-journal", ("--new-journal",), "journal file to create", metavar="FILE"),
        Opt(
            "request-inventory-format",
            ("--request-inventory-format",),
            "inventory format: json or csv (default json)",
            choices=("json", "csv"),
            default="json",
        ),
    )
}

#: Options every remote command takes.
REMOTE = ("config", "endpoint-url", "region", "key", "secret", "token", "profile", "protocol")


@dataclass(frozen=True)
class Invocation:
    """A parsed command: the merged option values and where to write."""

    command: str
    values: dict[str, Any]
    stdout: TextIO
    stderr: TextIO
    debug: bool = False
    quiet: bool = False
    json: bool = False

    def get(self, name: str) -> Any:
        """The value of option ``name`` (None when neither given nor defaulted)."""
        return self.values.get(name)

    def require(self, *names: str) -> None:
        """Raise :class:`UsageError` for the first missing option among ``names``."""
        for name in names:
            if self.values.get(name) is None:
                raise UsageError(f"please specify --{name}")

    def out(self, line: str) -> None:
        """Write one result line to standard output."""
        print(line, file=self.stdout, flush=True)

    def note(self, line: str) -> None:
        """Write one informational line to standard error, unless --quiet."""
        if not self.quiet:
            print(line, file=self.stderr, flush=True)


Handler = Callable[[Invocation], Awaitable[int]]


@dataclass(frozen=True)
class Command:
    """A subcommand: name, help, the options it takes, positionals and its async handler."""

    name: str
    help: str
    options: tuple[str, ...]
    handler: Handler
    positionals: tuple[tuple[str, dict[str, Any]], ...] = ()
    extra: Callable[[argparse.ArgumentParser], None] | None = None
    description: str | None = None
    defaults_from: tuple[str, ...] = field(default=())


# --------------------------------------------------------------------------------------------
# Commands


async def _cmd_tree_hash(inv: Invocation) -> int:
    from aioglacier.treehash import TreeHasher, tree_hash_file

    status = EXIT_OK
    for name in inv.get("files"):
        if name == "-":
            hexdigest = await _tree_hash_stdin(TreeHasher)
        else:
            try:
                result = await tree_hash_file(name)
            except OSError as exc:
                print(f"aioglacier: {name}: {exc.strerror}", file=inv.stderr, flush=True)
                status = EXIT_FAILURE
                continue
            hexdigest = result.tree_hash.hex()
        inv.out(f"{hexdigest}  {name}")
    return status


async def _tree_hash_stdin(hasher_type: Callable[[], Any]) -> str:
    hasher = hasher_type()
    stream = sys.stdin.buffer

    def pump() -> str:
        while chunk := stream.read(4 * 1024 * 1024):
            hasher.update(chunk)
        return str(hasher.hexdigest())

    return await asyncio.get_running_loop().run_in_executor(None, pump)


def _settings(inv: Invocation) -> ClientSettings:
    """Client settings from the merged options."""
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
    return ClientSettings(**kwargs)


def _renderer(inv: Invocation) -> Renderer:
    from aioglacier.render import make_renderer

    return make_renderer(inv.stdout, inv.stderr, json_lines=inv.json, quiet=inv.quiet)


def _client(inv: Invocation) -> Client:
    from aioglacier.client import Client

    return Client(_settings(inv))


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
    print(
        f"sync: {', '.join(parts)}; {mib:.1f} MiB in {result.seconds:.1f} s ({rate:.1f} MiB/s)",
        file=inv.stderr,
        flush=True,
    )
    for failure in result.failed:
        print(f"  FAILED {failure.relfilename}: {failure.reason}", file=inv.stderr, flush=True)


async def _cmd_sync(inv: Invocation) -> int:
    inv.require("dir", "vault", "journal")
    directory = inv.get("dir")
    if not await asyncio.to_thread(os.path.isdir, directory):
        raise UsageError(f"--dir {directory}: not a directory")
    new = inv.get("new")
    replace_modified = bool(inv.get("replace-modified"))
    delete_removed = bool(inv.get("delete-removed"))
    if inv.get("detect") != "mtime-and-treehash" and not replace_modified:
        raise UsageError("--detect can be used only together with --replace-modified")
    filters = inv.get("filters") or []
    async with _client(inv) as client:
        with _renderer(inv) as render:
            result = await client.sync(
                directory,
                inv.get("vault"),
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
            )
    _summary(inv, result)
    return EXIT_OK if result.ok else EXIT_FAILURE


async def _cmd_upload_file(inv: Invocation) -> int:
    inv.require("vault", "journal")
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
    async with _client(inv) as client:
        with _renderer(inv) as render:
            result = await client.upload_file(
                inv.get("vault"),
                inv.get("journal"),
                relname,
                path=path,
                stream=stream,
                max_size=max_size,
                progress=render,
            )
    inv.note(f"upload-file: {result.relfilename} archive {result.archive_id}")
    return EXIT_OK


def _relative_to(path: str, directory: str) -> str:
    return os.path.relpath(os.path.abspath(path), os.path.abspath(directory))


async def _cmd_create_vault(inv: Invocation) -> int:
    name = _vault_name(inv)
    async with _client(inv) as client:
        await client.create_vault(name)
    inv.note(f"created vault {name}")
    return EXIT_OK


async def _cmd_delete_vault(inv: Invocation) -> int:
    name = _vault_name(inv)
    async with _client(inv) as client:
        await client.delete_vault(name)
    inv.note(f"deleted vault {name}")
    return EXIT_OK


async def _cmd_list_vaults(inv: Invocation) -> int:
    async with _client(inv) as client:
        vaults = await client.list_vaults()
    if inv.json:
        import json

        for v in vaults:
            inv.out(json.dumps(v.__dict__))
        return EXIT_OK
    for v in vaults:
        inv.out(
            f"{v.name}\t{v.number_of_archives} archives\t{v.size_in_bytes} bytes\t"
            f"created {v.creation_date}\tinventory {v.last_inventory_date or 'never'}"
        )
    return EXIT_OK


_VAULT_NAME = re.compile(r"^[A-Za-z0-9._-]{1,255}$")


def _vault_name(inv: Invocation) -> str:
    name = str(inv.get("vault-name"))
    if not _VAULT_NAME.match(name):
        raise UsageError(
            'vault name should be 255 characters or less and consist of a-z, A-Z, 0-9, ".", '
            '"-" and "_"'
        )
    return name


def _op_summary(inv: Invocation, name: str, result: OperationResult, verb: str) -> int:
    if not inv.json:
        print(
            f"{name}: {len(result.done)} {verb}, {len(result.skipped)} skipped, "
            f"{len(result.failed)} failed; {result.bytes_done / 1048576:.1f} MiB in "
            f"{result.seconds:.1f} s",
            file=inv.stderr,
            flush=True,
        )
        for failure in result.failed:
            print(f"  FAILED {failure.relfilename}: {failure.detail}", file=inv.stderr, flush=True)
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


async def _cmd_restore(inv: Invocation) -> int:
    inv.require("dir", "vault", "journal", "max-number-of-files")
    directory, journal = await _existing_dir(inv), await _existing_journal(inv)
    async with _client(inv) as client:
        with _renderer(inv) as render:
            result = await client.restore(
                directory,
                inv.get("vault"),
                journal,
                max_number_of_files=inv.get("max-number-of-files"),
                tier=inv.get("tier"),
                filters=inv.get("filters") or [],
                dry_run=bool(inv.get("dry-run")),
                progress=render,
            )
    return _op_summary(inv, "restore", result, "retrieval jobs started")


async def _cmd_restore_completed(inv: Invocation) -> int:
    inv.require("dir", "vault", "journal")
    directory, journal = await _existing_dir(inv), await _existing_journal(inv)
    segment = inv.get("segment-size")
    async with _client(inv) as client:
        with _renderer(inv) as render:
            result = await client.restore_completed(
                directory,
                inv.get("vault"),
                journal,
                segment_size=segment * 1024 * 1024 if segment else None,
                filters=inv.get("filters") or [],
                dry_run=bool(inv.get("dry-run")),
                wait=bool(inv.get("wait")),
                progress=render,
            )
    return _op_summary(inv, "restore-completed", result, "downloaded")


async def _cmd_check_local_hash(inv: Invocation) -> int:
    from aioglacier.checklocal import check_local_hash, format_result, format_summary
    from aioglacier.filters import Filter
    from aioglacier.journal import load_journal

    inv.require("dir", "journal")
    directory, journal = await _existing_dir(inv), await _existing_journal(inv)
    state = await load_journal(journal, skip_bad_names=True)
    for message in state.skipped:
        print(f"aioglacier: warning: {message}", file=inv.stderr, flush=True)
    flt = Filter.from_options(inv.get("filters") or [])
    summary = await check_local_hash(
        state,
        Path(directory),
        filter=None if flt.empty else flt,
        on_result=lambda r: inv.out(format_result(r)),
        follow_symlinks=True,  # as the upload walk (and mtglacier) reads linked files
    )
    for line in format_summary(summary):
        inv.out(line)
    return EXIT_OK if summary.ok else EXIT_FAILURE


async def _cmd_purge_vault(inv: Invocation) -> int:
    inv.require("vault", "journal")
    journal = await _existing_journal(inv)
    async with _client(inv) as client:
        with _renderer(inv) as render:
            result = await client.purge_vault(
                inv.get("vault"),
                journal,
                filters=inv.get("filters") or [],
                dry_run=bool(inv.get("dry-run")),
                progress=render,
            )
    return _op_summary(inv, "purge-vault", result, "archives deleted")


async def _cmd_retrieve_inventory(inv: Invocation) -> int:
    inv.require("vault")
    async with _client(inv) as client:
        job_id = await client.retrieve_inventory(
            inv.get("vault"), format=str(inv.get("request-inventory-format")).upper()
        )
    inv.out(f"inventory retrieval job {job_id}")
    return EXIT_OK


async def _cmd_download_inventory(inv: Invocation) -> int:
    inv.require("vault", "new-journal")
    async with _client(inv) as client:
        with _renderer(inv) as render:
            count = await client.download_inventory(
                inv.get("vault"),
                inv.get("new-journal"),
                wait=bool(inv.get("wait")),
                progress=render,
            )
    inv.note(f"download-inventory: {count} archives written to {inv.get('new-journal')}")
    return EXIT_OK


async def _cmd_list_jobs(inv: Invocation) -> int:
    import json

    inv.require("vault")
    async with _client(inv) as client:
        jobs = await client.list_jobs(inv.get("vault"))
    for job in jobs:
        if inv.json:
            inv.out(json.dumps(job, sort_keys=True))
        else:
            what = job.get("ArchiveId") if job.get("Action") == "ArchiveRetrieval" else "inventory"
            inv.out(
                f"{job.get('JobId')}\t{job.get('Action')}\t{job.get('StatusCode')}\t"
                f"{job.get('Tier') or '-'}\t{job.get('CreationDate')}\t{what}"
            )
    return EXIT_OK


async def _cmd_emulator(inv: Invocation) -> int:
    from aioglacier.emulator import parse_fault_spec, run_emulator_forever

    inv.require("data-dir")
    faults = parse_fault_spec(inv.get("faults")) if inv.get("faults") else None
    await run_emulator_forever(
        inv.get("data-dir"),
        host=inv.get("host"),
        port=inv.get("port"),
        job_delay_scale=inv.get("job-delay-scale"),
        faults=faults,
        print_fn=inv.out,
    )
    return EXIT_OK


class _FilterAction(argparse.Action):
    """Collect --filter/--include/--exclude into one list, in command-line order."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        current = list(getattr(namespace, "filters", None) or [])
        kind = self.metavar.lower() if isinstance(self.metavar, str) else "filter"
        current.append((kind, str(values)))
        namespace.filters = current


def _filter_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("filters (mtglacier syntax, first match wins)")
    for kind, text in (
        ("FILTER", "rules like '+*.jpg -*.tmp' (repeatable)"),
        ("INCLUDE", "include files matching PATTERN (repeatable)"),
        ("EXCLUDE", "exclude files matching PATTERN (repeatable)"),
    ):
        group.add_argument(
            f"--{kind.lower()}", action=_FilterAction, metavar=kind, dest="filters", help=text
        )


def _vault_name_positional(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("vault_name", metavar="VAULT", help="vault name")


def _tree_hash_positionals(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="files to hash; - reads stdin")


def _commands() -> list[Command]:
    return [
        Command(
            "tree-hash",
            "print the Glacier SHA-256 tree hash of files, like sha256sum",
            (),
            _cmd_tree_hash,
            extra=_tree_hash_positionals,
        ),
        Command(
            "sync",
            "upload a directory to a vault: new files, optionally modified and removed ones",
            (
                *REMOTE,
                "dir",
                "vault",
                "journal",
                "new",
                "replace-modified",
                "delete-removed",
                "detect",
                "dry-run",
                "max-number-of-files",
                "follow",
                "concurrency",
                "partsize",
            ),
            _cmd_sync,
            extra=_filter_options,
        ),
        Command(
            "upload-file",
            "upload one file (or standard input) and journal it",
            (
                *REMOTE,
                "vault",
                "journal",
                "filename",
                "dir",
                "set-rel-filename",
                "stdin",
                "check-max-file-size",
                "concurrency",
                "partsize",
            ),
            _cmd_upload_file,
        ),
        Command(
            "create-vault",
            "create a vault",
            REMOTE,
            _cmd_create_vault,
            extra=_vault_name_positional,
        ),
        Command(
            "delete-vault",
            "delete an empty vault",
            REMOTE,
            _cmd_delete_vault,
            extra=_vault_name_positional,
        ),
        Command("list-vaults", "list the vaults of the account", REMOTE, _cmd_list_vaults),
        Command(
            "restore",
            "start retrieval jobs for journal files missing on disk (pass one of two)",
            (
                *REMOTE,
                "dir",
                "vault",
                "journal",
                "max-number-of-files",
                "tier",
                "dry-run",
                "concurrency",
            ),
            _cmd_restore,
            extra=_filter_options,
        ),
        Command(
            "restore-completed",
            "download completed retrievals of files missing on disk (pass two of two)",
            (*REMOTE, "dir", "vault", "journal", "segment-size", "wait", "dry-run", "concurrency"),
            _cmd_restore_completed,
            extra=_filter_options,
        ),
        Command(
            "check-local-hash",
            "check files on disk against the journal's sizes and tree hashes (no network)",
            ("config", "dir", "journal"),
            _cmd_check_local_hash,
            extra=_filter_options,
        ),
        Command(
            "purge-vault",
            "delete every archive of the journal from the vault",
            (*REMOTE, "vault", "journal", "dry-run", "concurrency"),
            _cmd_purge_vault,
            extra=_filter_options,
        ),
        Command(
            "retrieve-inventory",
            "start an inventory-retrieval job",
            (*REMOTE, "vault", "journal", "request-inventory-format"),
            _cmd_retrieve_inventory,
        ),
        Command(
            "download-inventory",
            "rebuild a journal from the newest completed inventory",
            (*REMOTE, "vault", "new-journal", "wait"),
            _cmd_download_inventory,
        ),
        Command(
            "list-jobs",
            "list the jobs of a vault (every page)",
            (*REMOTE, "vault"),
            _cmd_list_jobs,
        ),
        Command(
            "emulator",
            "run the Glacier vault-API emulator (loopback by default) until SIGINT/SIGTERM",
            ("data-dir", "host", "port", "job-delay-scale", "faults"),
            _cmd_emulator,
        ),
    ]


# --------------------------------------------------------------------------------------------
# Parsing


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors and exit code 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def build_parser(commands: Sequence[Command] | None = None) -> argparse.ArgumentParser:
    """The argument parser of every subcommand (option defaults stay None until merged)."""
    parser = _Parser(
        prog="aioglacier",
        description="Amazon Glacier and S3 archival storage: mt-aws-glacier compatible.",
    )
    parser.add_argument("--version", action="version", version=f"aioglacier {__version__}")
    common = _Parser(add_help=False)
    common.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    common.add_argument("--quiet", action="store_true", help="print only results and errors")
    common.add_argument(
        "--json", action="store_true", help="write progress as one JSON event per line"
    )
    subs = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for command in commands if commands is not None else _commands():
        sub = subs.add_parser(
            command.name,
            help=command.help,
            description=command.description or command.help,
            parents=[common],
        )
        for name in command.options:
            opt = OPTIONS[name]
            kwargs: dict[str, Any] = {"dest": name.replace("-", "_"), "help": opt.help}
            if opt.flag:
                kwargs["action"] = "store_true"
                kwargs["default"] = None
            else:
                kwargs["type"] = opt.convert
                kwargs["default"] = None
                if opt.metavar:
                    kwargs["metavar"] = opt.metavar
                if opt.choices:
                    kwargs["choices"] = opt.choices
                if opt.repeat:
                    kwargs["action"] = "append"
            sub.add_argument(*opt.flags, **kwargs)
        if command.extra is not None:
            command.extra(sub)
        sub.set_defaults(_command=command)
    return parser


def _merge(command: Command, ns: argparse.Namespace) -> dict[str, Any]:
    """Command line first, then the config file, then defaults."""
    values: dict[str, Any] = {
        k: v for k, v in vars(ns).items() if not k.startswith("_") and k != "command"
    }
    merged: dict[str, Any] = {}
    for key, value in values.items():
        merged[key.replace("_", "-")] = value
    config_path = merged.get("config")
    config_values: dict[str, str] = {}
    if config_path:
        cfg = read_config_file(config_path)
        for warning in cfg.warnings:
            print(f"aioglacier: warning: {warning}", file=sys.stderr, flush=True)
        config_values = dict(cfg.values)
    for name in command.options:
        opt = OPTIONS[name]
        if merged.get(name) is None and name in config_values:
            raw = config_values[name]
            if opt.flag:
                merged[name] = raw.lower() not in ("", "0", "false", "no")
            else:
                try:
                    merged[name] = opt.convert(raw)
                except (argparse.ArgumentTypeError, ValueError) as exc:
                    shown = "<hidden>" if name in SECRET_CONFIG_KEYS else repr(raw)
                    raise ConfigError(f"config file: bad value {shown} for {name}: {exc}") from None
                if opt.choices and merged[name] not in opt.choices:
                    raise ConfigError(
                        f"config file: {name} must be one of {', '.join(opt.choices)}"
                    )
        if merged.get(name) is None and opt.default is not None:
            merged[name] = opt.default
    return merged


def _run_async(coro: Awaitable[int]) -> int:
    async def wrapper() -> int:
        return await coro

    try:
        import uvloop
    except ImportError:  # pragma: no cover - Windows
        return asyncio.run(wrapper())
    return int(uvloop.run(wrapper()))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default: ``sys.argv[1:]``) and return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    parser = build_parser()
    try:
        ns = parser.parse_args(args)
        command: Command | None = getattr(ns, "_command", None)
        if command is None:
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        inv = Invocation(
            command=command.name,
            values=_merge(command, ns),
            stdout=sys.stdout,
            stderr=sys.stderr,
            debug=bool(ns.debug),
            quiet=bool(ns.quiet),
            json=bool(ns.json),
        )
        logging.basicConfig(
            level=logging.DEBUG if debug else logging.WARNING,
            format="%(asctime)s %(name)s %(levelname)s %(message)s",
        )
        return _run_async(command.handler(inv))
    except UsageError as exc:
        print(f"aioglacier: {exc}", file=sys.stderr, flush=True)
        return EXIT_USAGE
    except AioGlacierError as exc:
        if debug:
            traceback.print_exc()
        print(f"aioglacier: error: {exc}", file=sys.stderr, flush=True)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("aioglacier: interrupted", file=sys.stderr, flush=True)
        return EXIT_INTERRUPTED
    except OSError as exc:
        if debug:
            traceback.print_exc()
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"aioglacier: error: {where}{exc.strerror or exc}", file=sys.stderr, flush=True)
        return EXIT_FAILURE
    except Exception as exc:
        if debug:
            traceback.print_exc()
        print(
            f"aioglacier: internal error: {type(exc).__name__}: {exc} (run with --debug "
            "for the traceback)",
            file=sys.stderr,
            flush=True,
        )
        return EXIT_FAILURE


if __name__ == "__main__":  # pragma: no cover
    os._exit(main())

"""The ``aioglacier`` command line: mt-aws-glacier's commands and options over the library.

The CLI is thin: it parses options (command line first, then the ``--config`` file, then
defaults), calls the library, renders progress and maps outcomes to exit codes: 0 success,
1 failure, 2 usage error. An error is one line on stderr; ``--debug`` adds the traceback.
uvloop runs the CLI's event loop; the library itself never installs a loop policy.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import traceback
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

from aioglacier import __version__
from aioglacier.config import (
    DEFAULT_CONCURRENCY,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_FIRST_BYTE_TIMEOUT,
    DEFAULT_PARTSIZE_MIB,
    DEFAULT_REQUEST_DEADLINE,
    DEFAULT_STALL_TIMEOUT,
    DETECT_MODES,
    SECRET_CONFIG_KEYS,
    read_config_file,
)
from aioglacier.display import printable
from aioglacier.errors import AioGlacierError, ConfigError, UsageError
from aioglacier.invocation import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    Invocation,
)
from aioglacier.validate import (
    STORAGE_CLASSES,
    validate_bucket_name,
    validate_endpoint_url,
    validate_vault_name,
)

# The command handlers live in aioglacier.commands and are imported only when a command runs:
# asyncio, aiohttp and rich cost a third of a second to import, and tree-hash needs none of them.

__all__ = [
    "EXIT_FAILURE",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "Command",
    "Invocation",
    "build_parser",
    "main",
]


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


def _checked(check: Callable[[str], str]) -> Callable[[str], str]:
    """An argparse converter from a check that raises UsageError."""

    def convert(text: str) -> str:
        try:
            return check(text)
        except UsageError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = check.__name__
    return convert


_vault_name = _checked(validate_vault_name)
_bucket_name = _checked(validate_bucket_name)


def _checksum_mode(text: str) -> str:
    mode = text.strip().lower().replace("-", "_")
    if mode not in ("when_supported", "when_required"):
        raise argparse.ArgumentTypeError(f"must be when_supported or when_required, got {text!r}")
    return mode


_endpoint_url = _checked(validate_endpoint_url)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text!r}")
    return value


def _bwlimit(text: str) -> str:
    """A ``--bwlimit`` value, checked (rclone's syntax, see :mod:`aioglacier.bandwidth`)."""
    from aioglacier.bandwidth import parse_bwlimit
    from aioglacier.errors import UsageError

    try:
        parse_bwlimit(text)
    except UsageError as exc:
        reason = str(exc).removeprefix("--bwlimit: ")
        raise argparse.ArgumentTypeError(reason) from None
    return text


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
        Opt("vault", ("--vault", "--to-vault"), "vault name", convert=_vault_name, metavar="NAME"),
        Opt("journal", ("--journal",), "journal file (mtglacier format)", metavar="FILE"),
        Opt(
            "bucket",
            ("--bucket",),
            "S3 bucket, in place of --vault (objects in S3's archival storage classes)",
            convert=_bucket_name,
            metavar="NAME",
        ),
        Opt(
            "prefix",
            ("--prefix",),
            "with --bucket: key prefix of the objects (a / is added when missing)",
            metavar="PREFIX",
        ),
        Opt(
            "storage-class",
            ("--storage-class",),
            "with --bucket: storage class of new objects (default DEEP_ARCHIVE)",
            choices=STORAGE_CLASSES,
        ),
        Opt(
            "restore-days",
            ("--restore-days",),
            "with --bucket: days a restored copy stays readable (default 7)",
            convert=_positive_int,
            metavar="N",
        ),
        Opt(
            "checksum-mode",
            ("--checksum-mode",),
            "with --bucket: when_supported (default: x-amz-checksum-sha256 on every upload) or "
            "when_required (none, for S3-compatible servers that reject them)",
            convert=_checksum_mode,
            metavar="MODE",
        ),
        Opt(
            "versioning",
            ("--versioning",),
            "keep every version of an object (a replaced file's old object stays until deleted)",
            flag=True,
        ),
        Opt(
            "addressing",
            ("--addressing",),
            "with --bucket: auto (default), path (host/bucket/key) or virtual (bucket.host/key)",
            choices=("auto", "path", "virtual"),
        ),
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
            "service URL (http:// or https://), or local:DIR for the embedded emulator with its "
            "data in DIR",
            convert=_endpoint_url,
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
        Opt(
            "connect-timeout",
            ("--connect-timeout",),
            f"seconds to connect to the service (default {DEFAULT_CONNECT_TIMEOUT:g})",
            convert=_seconds,
            metavar="SECONDS",
        ),
        Opt(
            "first-byte-timeout",
            ("--first-byte-timeout",),
            "seconds from the end of a request to the first byte of its response "
            f"(default {DEFAULT_FIRST_BYTE_TIMEOUT:g})",
            convert=_seconds,
            metavar="SECONDS",
        ),
        Opt(
            "stall-timeout",
            ("--stall-timeout",),
            "seconds an upload or download may go without a byte sent or received "
            f"(default {DEFAULT_STALL_TIMEOUT:g})",
            convert=_seconds,
            metavar="SECONDS",
        ),
        Opt(
            "timeout",
            ("--timeout",),
            "mtglacier's timeout: sets both --first-byte-timeout and --stall-timeout",
            convert=_seconds,
            metavar="SECONDS",
        ),
        Opt(
            "request-deadline",
            ("--request-deadline",),
            "seconds one request may take, all its retries included "
            f"(default {DEFAULT_REQUEST_DEADLINE:g})",
            convert=_seconds,
            metavar="SECONDS",
        ),
        Opt(
            "bwlimit",
            ("--bwlimit",),
            "bandwidth limit in rclone's syntax: 512k, 4M, UP:DOWN (4M:off), or a timetable "
            "such as '08:00,512k 19:00,off' (default off)",
            convert=_bwlimit,
            metavar="RATE",
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
            "price-table",
            ("--price-table",),
            "with --dry-run: JSON file of prices overriding the built-in us-east-1 table",
            metavar="FILE",
        ),
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
        Opt(
            "escape-windows-names",
            ("--escape-windows-names",),
            "on Windows, restore a name Windows cannot hold (aux.c, a:b, a trailing dot...) "
            "under a %%XX-escaped name (%%61ux.c, a%%3Ab), reported, instead of refusing it",
            flag=True,
        ),
        Opt("new-journal", ("--new-journal",), "journal file to create", metavar="FILE"),
        Opt(
            "all-orphans",
            ("--all-orphans",),
            "every orphan, not only this journal's own leftovers (only for a vault that no "
            "other program or journal writes to)",
            flag=True,
        ),
        Opt(
            "delete-source",
            ("--delete-source",),
            "migrate: delete each vault archive once its S3 object is confirmed (default: the "
            "vault is untouched)",
            flag=True,
        ),
        Opt(
            "request-inventory-format",
            ("--request-inventory-format",),
            "inventory format: json or csv (default json)",
            choices=("json", "csv"),
            default="json",
        ),
    )
}

#: Options of a bucket target (every command that takes --vault and works on buckets).
BUCKET = ("bucket", "prefix", "storage-class", "restore-days", "checksum-mode", "addressing")

#: Options of every command that moves archive data.
DATA = ("bwlimit",)

#: Options every remote command takes.
REMOTE = (
    "config",
    "endpoint-url",
    "region",
    "key",
    "secret",
    "token",
    "profile",
    "protocol",
    "connect-timeout",
    "first-byte-timeout",
    "stall-timeout",
    "timeout",
    "request-deadline",
)


Handler = Callable[[Invocation], Awaitable[int]]


@dataclass(frozen=True)
class Command:
    """A subcommand: name, help, the options it takes, and its handler: a function returning
    the exit code, or the name of an async handler in :mod:`aioglacier.commands`."""

    name: str
    help: str
    options: tuple[str, ...]
    handler: Callable[[Invocation], int] | str
    positionals: tuple[tuple[str, dict[str, Any]], ...] = ()
    extra: Callable[[argparse.ArgumentParser], None] | None = None
    description: str | None = None
    defaults_from: tuple[str, ...] = field(default=())


# --------------------------------------------------------------------------------------------
# Commands


def _tree_hash(inv: Invocation) -> int:
    """``tree-hash FILE...``: no event loop needed, so none is started (a fast start matters
    when hashing is quick); the hashing itself runs on all cores in threads."""
    from aioglacier.treehash import TreeHasher, tree_hash_file_sync

    status = EXIT_OK
    for name in inv.get("files"):
        if name == "-":
            hasher = TreeHasher()
            while chunk := sys.stdin.buffer.read(4 * 1024 * 1024):
                hasher.update(chunk)
            hexdigest = hasher.hexdigest()
        else:
            try:
                hexdigest = tree_hash_file_sync(name).tree_hash.hex()
            except OSError as exc:
                inv.err(f"aioglacier: {name}: {exc.strerror}")
                status = EXIT_FAILURE
                continue
        inv.out(f"{hexdigest}  {name}")
    return status


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
    parser.add_argument("vault_name", metavar="VAULT", type=_vault_name, help="vault name")


def _bucket_name_positional(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("bucket_name", metavar="BUCKET", type=_bucket_name, help="bucket name")


def _tree_hash_positionals(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="files to hash; - reads stdin")


def _commands() -> list[Command]:
    return [
        Command(
            "tree-hash",
            "print the Glacier SHA-256 tree hash of files, like sha256sum",
            (),
            _tree_hash,
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
                "price-table",
                "max-number-of-files",
                "follow",
                *BUCKET,
                "concurrency",
                "partsize",
                *DATA,
            ),
            "sync",
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
                *BUCKET,
                "concurrency",
                "partsize",
                *DATA,
            ),
            "upload_file",
        ),
        Command(
            "create-vault",
            "create a vault",
            REMOTE,
            "create_vault",
            extra=_vault_name_positional,
        ),
        Command(
            "delete-vault",
            "delete an empty vault",
            REMOTE,
            "delete_vault",
            extra=_vault_name_positional,
        ),
        Command("list-vaults", "list the vaults of the account", REMOTE, "list_vaults"),
        Command(
            "create-bucket",
            "create an S3 bucket (in --region)",
            (*REMOTE, "versioning"),
            "create_bucket",
            extra=_bucket_name_positional,
        ),
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
                "price-table",
                *BUCKET,
                "concurrency",
                "escape-windows-names",
            ),
            "restore",
            extra=_filter_options,
        ),
        Command(
            "restore-completed",
            "download completed retrievals of files missing on disk (pass two of two)",
            (
                *REMOTE,
                "dir",
                "vault",
                "journal",
                "segment-size",
                "wait",
                "dry-run",
                *BUCKET,
                "concurrency",
                "escape-windows-names",
                *DATA,
            ),
            "restore_completed",
            extra=_filter_options,
        ),
        Command(
            "check-local-hash",
            "check files on disk against the journal's sizes and tree hashes (no network)",
            ("config", "dir", "journal"),
            "check_local_hash",
            extra=_filter_options,
        ),
        Command(
            "purge-vault",
            "delete every archive of the journal from the vault",
            (*REMOTE, "vault", *BUCKET, "journal", "dry-run", "price-table", "concurrency"),
            "purge_vault",
            extra=_filter_options,
        ),
        Command(
            "migrate",
            "move a vault's archives into an S3 bucket: streamed, verified, resumable "
            "(--vault is the source, --bucket the destination)",
            (
                *REMOTE,
                "vault",
                "journal",
                "bucket",
                "prefix",
                "storage-class",
                "checksum-mode",
                "addressing",
                "tier",
                "new-journal",
                "delete-source",
                "dry-run",
                "wait",
                "max-number-of-files",
                "segment-size",
                "concurrency",
                "price-table",
            ),
            "migrate",
            extra=_filter_options,
        ),
        Command(
            "migration-names",
            "write the GlacierArchiveID,FileName CSV of the journal's archives (the S3 keys "
            "migrate gives them) for AWS's vault-to-S3 migration solution, to standard output",
            ("config", "journal", "prefix"),
            "migration_names",
            extra=_filter_options,
        ),
        Command(
            "retrieve-inventory",
            "start an inventory-retrieval job",
            (*REMOTE, "vault", "journal", "request-inventory-format"),
            "retrieve_inventory",
        ),
        Command(
            "download-inventory",
            "rebuild a journal from the newest completed inventory, or from a bucket's listing",
            (*REMOTE, "vault", *BUCKET, "new-journal", "wait", *DATA),
            "download_inventory",
        ),
        Command(
            "list-orphans",
            "list what the vault holds that the journal does not know (needs a completed "
            "inventory), or a bucket's multipart uploads the journal does not know",
            (*REMOTE, "vault", *BUCKET, "journal", "wait"),
            "list_orphans",
        ),
        Command(
            "purge-orphans",
            "delete orphan archives and abort orphan uploads that are this journal's leftovers",
            (
                *REMOTE,
                "vault",
                *BUCKET,
                "journal",
                "wait",
                "dry-run",
                "all-orphans",
                "concurrency",
            ),
            "purge_orphans",
        ),
        Command(
            "list-jobs",
            "list the jobs of a vault (every page), or a bucket's restores in progress or done",
            (*REMOTE, "vault", *BUCKET),
            "list_jobs",
        ),
        Command(
            "emulator",
            "run the Glacier vault-API emulator (loopback by default) until SIGINT/SIGTERM",
            ("data-dir", "host", "port", "job-delay-scale", "faults"),
            "emulator",
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
            _error_line(f"aioglacier: warning: {warning}")
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
        import asyncio

        return asyncio.run(wrapper())
    return int(uvloop.run(wrapper()))


def _run(command: Command, inv: Invocation) -> int:
    if callable(command.handler):
        return command.handler(inv)
    if "endpoint-url" in command.options:  # a command that may talk to the service
        from aioglacier import tls

        tls.install()  # aiohttp's CA bundle is loaded only if a TLS connection is opened
    module = importlib.import_module("aioglacier.commands")
    handler: Handler = getattr(module, "cmd_" + command.handler.replace("-", "_"))
    return _run_async(handler(inv))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default: ``sys.argv[1:]``) and return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    commands = _commands()
    # Only the parser of the command named (when the first word names one): the others are
    # never consulted, and building every option of every command costs milliseconds.
    named = [c for c in commands if args and c.name == args[0]]
    parser = build_parser(named or commands)
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
        if inv.values.get("filters"):
            from aioglacier.filters import Filter

            Filter.from_options(inv.values["filters"])  # a bad rule is a usage error, found now
        handler = logging.StreamHandler()
        handler.setFormatter(_PrintableFormatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, handlers=[handler])
        return _run(command, inv)
    except UsageError as exc:
        _error_line(f"aioglacier: {exc}")
        return EXIT_USAGE
    except AioGlacierError as exc:
        if debug:
            _print_traceback()
        _error_line(f"aioglacier: error: {exc}")
        return EXIT_FAILURE
    except KeyboardInterrupt:
        _error_line("aioglacier: interrupted")
        return EXIT_INTERRUPTED
    except OSError as exc:
        if debug:
            _print_traceback()
        where = f"{exc.filename}: " if exc.filename else ""
        _error_line(f"aioglacier: error: {where}{exc.strerror or exc}")
        return EXIT_FAILURE
    except Exception as exc:
        if debug:
            _print_traceback()
        _error_line(
            f"aioglacier: internal error: {type(exc).__name__}: {exc} (run with --debug "
            "for the traceback)"
        )
        return EXIT_FAILURE


def _error_line(text: str) -> None:
    """One line on standard error, control characters escaped (a name in an error message is
    outside data: see :mod:`aioglacier.display`)."""
    print(printable(text), file=sys.stderr, flush=True)


def _print_traceback() -> None:
    for line in traceback.format_exc().splitlines():
        _error_line(line)


class _PrintableFormatter(logging.Formatter):
    """Log records with control characters escaped: the message whole, tracebacks by line."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return printable(super().formatMessage(record))

    def formatException(self, ei: Any) -> str:
        return "\n".join(printable(line) for line in super().formatException(ei).splitlines())

    def formatStack(self, stack_info: str) -> str:
        return "\n".join(printable(line) for line in stack_info.splitlines())


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

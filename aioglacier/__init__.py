"""aioglacier: asyncio transfer engine, CLI and library for Amazon Glacier (mtglacier-compatible).

The public API is what ``__all__`` lists; everything else is private and may change.
"""

from typing import TYPE_CHECKING, Any

from aioglacier.lazy import load_export

if TYPE_CHECKING:
    from aioglacier.backends.glacier import GlacierApi, VaultInfo
    from aioglacier.backends.s3.target import BucketTarget
    from aioglacier.client import Client
    from aioglacier.config import ClientSettings
    from aioglacier.engine import FileResult, SyncResult
    from aioglacier.errors import (
        AioGlacierError,
        ConfigError,
        RemoteError,
        TransferError,
        UsageError,
    )
    from aioglacier.filters import Filter
    from aioglacier.journal import (
        Created,
        Deleted,
        JournalError,
        JournalState,
        JournalWriteError,
        JournalWriter,
        RetrieveJob,
        load_journal,
    )
    from aioglacier.progress import (
        BytesTransferred,
        Event,
        FileDone,
        FileFailed,
        FileQueued,
        FileSkipped,
        FileStarted,
        Message,
        ProgressSink,
        ProgressStream,
        Retrying,
        RunFinished,
        ScanProgress,
    )
    from aioglacier.retry import RetryPolicy
    from aioglacier.sigv4 import Credentials
    from aioglacier.treehash import FileHash, TreeHasher, tree_hash, tree_hash_file

# Names are imported on first use, so that ``import aioglacier`` (and the CLI's start, e.g. for
# tree-hash and check-local-hash, which need no network) stays fast: aiohttp alone takes a third
# of a second to import.
_EXPORTS: dict[str, str] = {
    "AioGlacierError": "aioglacier.errors",
    "BucketTarget": "aioglacier.backends.s3.target",
    "BytesTransferred": "aioglacier.progress",
    "Client": "aioglacier.client",
    "ClientSettings": "aioglacier.config",
    "ConfigError": "aioglacier.errors",
    "Created": "aioglacier.journal",
    "Credentials": "aioglacier.sigv4",
    "Deleted": "aioglacier.journal",
    "Event": "aioglacier.progress",
    "FileDone": "aioglacier.progress",
    "FileFailed": "aioglacier.progress",
    "FileHash": "aioglacier.treehash",
    "FileQueued": "aioglacier.progress",
    "FileResult": "aioglacier.engine",
    "FileSkipped": "aioglacier.progress",
    "FileStarted": "aioglacier.progress",
    "Filter": "aioglacier.filters",
    "GlacierApi": "aioglacier.backends.glacier",
    "JournalError": "aioglacier.journal",
    "JournalState": "aioglacier.journal",
    "JournalWriteError": "aioglacier.journal",
    "JournalWriter": "aioglacier.journal",
    "Message": "aioglacier.progress",
    "ProgressSink": "aioglacier.progress",
    "ProgressStream": "aioglacier.progress",
    "RemoteError": "aioglacier.errors",
    "RetrieveJob": "aioglacier.journal",
    "Retrying": "aioglacier.progress",
    "RetryPolicy": "aioglacier.retry",
    "RunFinished": "aioglacier.progress",
    "ScanProgress": "aioglacier.progress",
    "SyncResult": "aioglacier.engine",
    "TransferError": "aioglacier.errors",
    "TreeHasher": "aioglacier.treehash",
    "UsageError": "aioglacier.errors",
    "VaultInfo": "aioglacier.backends.glacier",
    "load_journal": "aioglacier.journal",
    "tree_hash": "aioglacier.treehash",
    "tree_hash_file": "aioglacier.treehash",
}


def __getattr__(name: str) -> Any:
    return load_export(__name__, _EXPORTS, globals(), name)


def __dir__() -> list[str]:
    return sorted(__all__)


__version__ = "0.1.0"

__all__ = [
    "AioGlacierError",
    "BucketTarget",
    "BytesTransferred",
    "Client",
    "ClientSettings",
    "ConfigError",
    "Created",
    "Credentials",
    "Deleted",
    "Event",
    "FileDone",
    "FileFailed",
    "FileHash",
    "FileQueued",
    "FileResult",
    "FileSkipped",
    "FileStarted",
    "Filter",
    "GlacierApi",
    "JournalError",
    "JournalState",
    "JournalWriteError",
    "JournalWriter",
    "Message",
    "ProgressSink",
    "ProgressStream",
    "RemoteError",
    "RetrieveJob",
    "RetryPolicy",
    "Retrying",
    "RunFinished",
    "ScanProgress",
    "SyncResult",
    "TransferError",
    "TreeHasher",
    "UsageError",
    "VaultInfo",
    "__version__",
    "load_journal",
    "tree_hash",
    "tree_hash_file",
]

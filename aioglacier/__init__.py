"""aioglacier: asyncio transfer engine, CLI and library for Amazon Glacier (mtglacier-compatible).

The public API is what ``__all__`` lists; everything else is private and may change.
"""

from aioglacier.backends.glacier import GlacierApi, VaultInfo
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
    RunFinished,
    ScanProgress,
)
from aioglacier.retry import RetryPolicy
from aioglacier.sigv4 import Credentials
from aioglacier.treehash import FileHash, TreeHasher, tree_hash, tree_hash_file

__version__ = "0.1.0"

__all__ = [
    "AioGlacierError",
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
    "JournalWriter",
    "Message",
    "ProgressSink",
    "ProgressStream",
    "RemoteError",
    "RetrieveJob",
    "RetryPolicy",
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

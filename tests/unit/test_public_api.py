"""The public API: exactly what __all__ lists, each documented."""

from __future__ import annotations

import inspect

import aioglacier

EXPECTED = {
    "AioGlacierError", "BucketTarget", "BytesTransferred", "Client", "ClientSettings",
    "ConfigError", "Created",
    "Credentials", "Deleted", "Event", "FileDone", "FileFailed", "FileHash", "FileQueued",
    "FileResult", "FileSkipped", "FileStarted", "Filter", "GlacierApi", "JournalError",
    "JournalState", "JournalWriteError", "JournalWriter", "Message", "ProgressSink",
    "ProgressStream", "RemoteError",
    "RetrieveJob", "Retrying", "RetryPolicy", "RunFinished", "ScanProgress", "SyncResult",
    "TransferError", "TreeHasher", "UsageError", "VaultInfo", "__version__", "load_journal",
    "tree_hash", "tree_hash_file",
}  # fmt: skip


def test_all_is_exactly_the_public_api() -> None:
    assert set(aioglacier.__all__) == EXPECTED
    assert len(aioglacier.__all__) == len(EXPECTED)
    for name in aioglacier.__all__:
        assert hasattr(aioglacier, name), name


def test_public_classes_and_functions_have_docstrings() -> None:
    for name in aioglacier.__all__:
        obj = getattr(aioglacier, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert inspect.getdoc(obj), f"{name} has no docstring"
            for attr, member in vars(obj).items():
                if attr.startswith("_") or not inspect.isfunction(member):
                    continue
                assert inspect.getdoc(member), f"{name}.{attr} has no docstring"


def test_no_module_installs_a_loop_policy() -> None:
    import asyncio

    before = asyncio.get_event_loop_policy()
    import aioglacier.cli  # noqa: F401

    assert asyncio.get_event_loop_policy() is before

"""Stray multipart uploads: in progress in the store, unknown to the journal's resume store.

``sync`` calls :func:`handle_stray_uploads` at the end of each run: the ones that are ours
(the store's metadata names a file and mtime equal to the journal's current version of it)
are aborted, the others reported (see :mod:`aioglacier.orphans` for the whole story).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

import aiohttp

from aioglacier.backends.base import Backend, ObjectSpec
from aioglacier.errors import AioGlacierError
from aioglacier.progress import Message, ProgressSink, null_sink
from aioglacier.resume import ResumeStore

__all__ = [
    "REQUEST_ERRORS",
    "StrayUpload",
    "abort_upload",
    "describe_stray",
    "find_stray_uploads",
    "handle_stray_uploads",
]

#: What a request can end with once its retries are spent.
REQUEST_ERRORS = (AioGlacierError, aiohttp.ClientError, OSError, TimeoutError)


@dataclass(frozen=True)
class StrayUpload:
    """A multipart upload in progress that the journal's resume store does not record."""

    upload_id: str
    creation_date: str
    description: str
    part_size: int
    name: str | None
    mtime: int | None
    ours: bool
    """Its name and mtime are the journal's current version of that file."""


async def find_stray_uploads(
    backend: Backend,
    *,
    known: Collection[str],
    current_mtime: Callable[[str], int | None],
) -> list[StrayUpload]:
    """Multipart uploads in progress in the store whose ids are not in ``known``.

    ``current_mtime(name)`` is the mtime of the journal's current version of a file (None when
    the journal has none): an upload whose name and mtime match it is ours.
    """
    strays: list[StrayUpload] = []
    for info in await backend.list_uploads():
        if info.upload_id in known:
            continue
        name, mtime = info.name, info.mtime
        ours = name is not None and mtime is not None and current_mtime(name) == mtime
        strays.append(
            StrayUpload(
                upload_id=info.upload_id,
                creation_date=info.started,
                description=info.description,
                part_size=info.part_size or 0,
                name=name,
                mtime=mtime,
                ours=ours,
            )
        )
    return strays


async def abort_upload(backend: Backend, stray: StrayUpload) -> None:
    """Abort a stray upload (one already gone is not an error)."""
    spec = ObjectSpec(stray.name or "", stray.mtime or 0)
    writer = await backend.resume_multipart(stray.upload_id, spec, part_size=stray.part_size)
    await writer.abort()


def describe_stray(name: str | None, description: str) -> str:
    """How a message names an upload: its file, or the store's words for it."""
    return f'"{name}"' if name is not None else f"description {description[:100]!r}"


async def handle_stray_uploads(
    backend: Backend,
    *,
    resume: ResumeStore,
    current_mtime: Callable[[str], int | None],
    progress: ProgressSink = null_sink,
) -> list[StrayUpload]:
    """What ``sync`` does at the end of a run: abort the stray uploads that are ours, report
    the others, and return them all. A service that cannot list uploads (a narrow IAM policy)
    gets a warning, never a failed run."""
    try:
        strays = await find_stray_uploads(
            backend,
            known={p.upload_id for p in resume.pending()},
            current_mtime=current_mtime,
        )
    except REQUEST_ERRORS as exc:
        progress(
            Message(f"cannot list the multipart uploads of {backend.target}: {exc}", "warning")
        )
        return []
    for stray in strays:
        what = describe_stray(stray.name, stray.description)
        if stray.ours:
            try:
                await abort_upload(backend, stray)
            except REQUEST_ERRORS as exc:
                progress(
                    Message(
                        f"cannot abort multipart upload {stray.upload_id} of {what}: {exc}",
                        "warning",
                    )
                )
                continue
            progress(
                Message(
                    f"aborted multipart upload {stray.upload_id} of {what} (started "
                    f"{stray.creation_date}): left by an interrupted run, and the journal "
                    "holds that version"
                )
            )
        else:
            progress(
                Message(
                    f"multipart upload {stray.upload_id} of {what} (started "
                    f"{stray.creation_date}) is not in {resume.path.name}: another program's, "
                    "or left by an interrupted run; left alone (list-orphans lists it, "
                    "purge-orphans --all-orphans aborts it)",
                    "warning",
                )
            )
    return strays

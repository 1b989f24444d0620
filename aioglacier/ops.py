"""Former home of one object's upload, now :mod:`aioglacier.engine.upload` (re-exported)."""

from aioglacier.engine.upload import (
    FileChangedError,
    SmallFileReader,
    UploadContext,
    UploadOutcome,
    UploadStoppedError,
    upload_file,
    upload_stream,
)

__all__ = [
    "FileChangedError",
    "SmallFileReader",
    "UploadContext",
    "UploadOutcome",
    "UploadStoppedError",
    "upload_file",
    "upload_stream",
]

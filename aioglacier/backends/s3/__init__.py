"""S3's archival storage classes: the backend, and our own signed client with typed results.

:class:`S3Backend` (:mod:`.backend`) is a bucket as the engine's
:class:`~aioglacier.backends.base.Backend`; :class:`S3Api` is the low-level client it wraps;
:mod:`.xml` parses and builds S3's documents, :mod:`.checksums` holds S3's additional
checksums, :mod:`.models` the typed results.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aioglacier.lazy import load_export

if TYPE_CHECKING:
    from aioglacier.backends.s3.api import (
        MAX_DELETE_KEYS,
        Addressing,
        ObjectBody,
        S3Api,
        s3_endpoint,
    )
    from aioglacier.backends.s3.backend import S3Backend, S3Multipart, s3_capabilities
    from aioglacier.backends.s3.checksums import (
        Checksum,
        ChecksumAlgorithm,
        ChecksumMode,
        compute_checksum,
        content_md5,
    )
    from aioglacier.backends.s3.errors import InvalidObjectStateError
    from aioglacier.backends.s3.models import (
        BucketInfo,
        BucketVersioning,
        CompletedPart,
        CompletedUpload,
        DeletedObject,
        DeleteError,
        DeleteObjectsResult,
        ListedObject,
        MultipartUpload,
        ObjectIdentifier,
        ObjectInfo,
        ObjectListPage,
        PutResult,
        RestoreOutcome,
        RestoreState,
        RestoreStatus,
        StorageClass,
        UploadedPart,
    )

# Names are imported on first use: a vault-only run (a sync to a vault, the CLI's parsing of
# --bucket options) imports ``aioglacier.backends.s3.target`` without the S3 client and
# aiohttp behind it.
_EXPORTS: dict[str, str] = {
    "Addressing": "aioglacier.backends.s3.api",
    "BucketInfo": "aioglacier.backends.s3.models",
    "BucketVersioning": "aioglacier.backends.s3.models",
    "Checksum": "aioglacier.backends.s3.checksums",
    "ChecksumAlgorithm": "aioglacier.backends.s3.checksums",
    "ChecksumMode": "aioglacier.backends.s3.checksums",
    "CompletedPart": "aioglacier.backends.s3.models",
    "CompletedUpload": "aioglacier.backends.s3.models",
    "DeleteError": "aioglacier.backends.s3.models",
    "DeleteObjectsResult": "aioglacier.backends.s3.models",
    "DeletedObject": "aioglacier.backends.s3.models",
    "InvalidObjectStateError": "aioglacier.backends.s3.errors",
    "ListedObject": "aioglacier.backends.s3.models",
    "MAX_DELETE_KEYS": "aioglacier.backends.s3.api",
    "MultipartUpload": "aioglacier.backends.s3.models",
    "ObjectBody": "aioglacier.backends.s3.api",
    "ObjectIdentifier": "aioglacier.backends.s3.models",
    "ObjectInfo": "aioglacier.backends.s3.models",
    "ObjectListPage": "aioglacier.backends.s3.models",
    "PutResult": "aioglacier.backends.s3.models",
    "RestoreOutcome": "aioglacier.backends.s3.models",
    "RestoreState": "aioglacier.backends.s3.models",
    "RestoreStatus": "aioglacier.backends.s3.models",
    "S3Api": "aioglacier.backends.s3.api",
    "S3Backend": "aioglacier.backends.s3.backend",
    "S3Multipart": "aioglacier.backends.s3.backend",
    "StorageClass": "aioglacier.backends.s3.models",
    "UploadedPart": "aioglacier.backends.s3.models",
    "compute_checksum": "aioglacier.backends.s3.checksums",
    "content_md5": "aioglacier.backends.s3.checksums",
    "s3_capabilities": "aioglacier.backends.s3.backend",
    "s3_endpoint": "aioglacier.backends.s3.api",
}


def __getattr__(name: str) -> Any:
    return load_export(__name__, _EXPORTS, globals(), name)


__all__ = [
    "MAX_DELETE_KEYS",
    "Addressing",
    "BucketInfo",
    "BucketVersioning",
    "Checksum",
    "ChecksumAlgorithm",
    "ChecksumMode",
    "CompletedPart",
    "CompletedUpload",
    "DeleteError",
    "DeleteObjectsResult",
    "DeletedObject",
    "InvalidObjectStateError",
    "ListedObject",
    "MultipartUpload",
    "ObjectBody",
    "ObjectIdentifier",
    "ObjectInfo",
    "ObjectListPage",
    "PutResult",
    "RestoreOutcome",
    "RestoreState",
    "RestoreStatus",
    "S3Api",
    "S3Backend",
    "S3Multipart",
    "StorageClass",
    "UploadedPart",
    "compute_checksum",
    "content_md5",
    "s3_capabilities",
    "s3_endpoint",
]

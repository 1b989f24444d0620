"""S3's archival storage classes: the backend, and our own signed client with typed results.

:class:`S3Backend` (:mod:`.backend`) is a bucket as the engine's
:class:`~aioglacier.backends.base.Backend`; :class:`S3Api` is the low-level client it wraps;
:mod:`.xml` parses and builds S3's documents, :mod:`.checksums` holds S3's additional
checksums, :mod:`.models` the typed results.
"""

from aioglacier.backends.s3.api import MAX_DELETE_KEYS, Addressing, ObjectBody, S3Api, s3_endpoint
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

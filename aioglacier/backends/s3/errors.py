"""S3's errors as :class:`~aioglacier.errors.RemoteError`: from XML bodies, or from the status
alone when there is no body (HEAD requests)."""

from __future__ import annotations

from collections.abc import Mapping

from aioglacier.backends.s3.xml import ErrorDocument, parse_error
from aioglacier.errors import THROTTLING_CODES, RemoteError, remote_error
from aioglacier.retry import RETRYABLE_CODES

__all__ = ["InvalidObjectStateError", "error_from_document", "error_from_response"]

# The code a bodiless error response gets (S3 sends no body to a HEAD).
_STATUS_CODES = {
    301: "PermanentRedirect",
    304: "NotModified",
    307: "TemporaryRedirect",
    400: "BadRequest",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    411: "MissingContentLength",
    412: "PreconditionFailed",
    413: "EntityTooLarge",
    416: "InvalidRange",
    500: "InternalError",
    501: "NotImplemented",
    503: "ServiceUnavailable",
}

# The message of a bodiless error, by status.
_STATUS_MESSAGES = {
    301: "the bucket is in another region or at another endpoint",
    403: "access denied",
    404: "no such bucket or key",
    412: "a precondition did not hold",
}

# Codes whose message gains the bucket's real region (from x-amz-bucket-region or <Region>).
_WRONG_REGION = frozenset(
    {"PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException"}
)


class InvalidObjectStateError(RemoteError):
    """The object is archived and not restored (403 InvalidObjectState on GetObject).

    ``storage_class`` (GLACIER, DEEP_ARCHIVE...) and ``access_tier`` (INTELLIGENT_TIERING's
    ARCHIVE_ACCESS...) are what S3's error document says, when it says.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int = 403,
        request_id: str | None = None,
        storage_class: str | None = None,
        access_tier: str | None = None,
    ) -> None:
        super().__init__(
            "InvalidObjectState", message, status=status, retryable=False, request_id=request_id
        )
        self.storage_class = storage_class
        self.access_tier = access_tier


#: 5xx statuses that say the server cannot ever do what was asked: 501 Not Implemented (an
#: S3-compatible server lacking an operation, e.g. s3rver's ListMultipartUploads) and 505 HTTP
#: Version Not Supported. Retrying them only waits out the whole backoff (about 20 s with the
#: default policy) before the same answer; botocore does not retry them either.
_PERMANENT_5XX = frozenset({501, 505})


def _retryable(status: int, code: str) -> bool:
    if code in RETRYABLE_CODES or code in THROTTLING_CODES:
        return True
    return (status >= 500 and status not in _PERMANENT_5XX) or status in (408, 429)


def error_from_document(doc: ErrorDocument, status: int, headers: Mapping[str, str]) -> RemoteError:
    """The error an ``<Error>`` document describes (also for S3's 200-with-error answers)."""
    code = doc.code or _STATUS_CODES.get(status, f"HTTP{status}")
    request_id = headers.get("x-amz-request-id") or doc.fields.get("RequestId")
    message = " ".join(doc.message.split())
    if code == "InvalidObjectState":
        return InvalidObjectStateError(
            message,
            status=status,
            request_id=request_id,
            storage_class=doc.fields.get("StorageClass") or None,
            access_tier=doc.fields.get("AccessTier") or None,
        )
    if code in _WRONG_REGION:
        region = headers.get("x-amz-bucket-region") or doc.fields.get("Region")
        if region:
            message = f"{message} (the bucket is in region {region})".lstrip()
    return remote_error(
        code,
        message,
        status=status,
        retryable=_retryable(status, code),
        request_id=request_id,
    )


def error_from_response(status: int, body: bytes, headers: Mapping[str, str]) -> RemoteError:
    """The error an S3 response carries: its ``<Error>`` document, else its status."""
    doc = parse_error(body) if body else None
    if doc is None:
        text = body[:200].decode("utf-8", "replace").strip() if body else ""
        message = " ".join(text.split()) or _STATUS_MESSAGES.get(status, "")
        doc = ErrorDocument(_STATUS_CODES.get(status, f"HTTP{status}"), message, {})
    return error_from_document(doc, status, headers)

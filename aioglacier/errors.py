"""Exceptions shared across aioglacier.

Every message is one line meant for a person, and none ever carries a credential.
"""

from __future__ import annotations

__all__ = [
    "NOT_FOUND_CODES",
    "THROTTLING_CODES",
    "AioGlacierError",
    "ConfigError",
    "NotFound",
    "RemoteError",
    "Throttled",
    "TransferError",
    "UsageError",
    "first_leaf",
    "remote_error",
]


#: Error codes that mean "no such thing": Glacier's, S3's (buckets, keys, versions, multipart
#: uploads), and ``NotFound``, the code given to a 404 that has no body (S3's HEAD requests).
NOT_FOUND_CODES = frozenset(
    {
        "ResourceNotFoundException",
        "NoSuchBucket",
        "NoSuchKey",
        "NoSuchUpload",
        "NoSuchVersion",
        "NotFound",
    }
)

#: Error codes that mean "slow down": the request was refused because of its rate.
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "SlowDown",
    }
)


class AioGlacierError(Exception):
    """Base class of every error aioglacier raises on purpose."""


class ConfigError(AioGlacierError):
    """Bad settings, config file or credentials."""


class UsageError(AioGlacierError):
    """A command was called with options that do not fit together (CLI exit code 2)."""


def _means_not_found(code: str, status: int) -> bool:
    return code in NOT_FOUND_CODES or status == 404


def _means_throttled(code: str, status: int) -> bool:
    return code in THROTTLING_CODES or status == 429


class RemoteError(AioGlacierError):
    """The service answered with an error.

    ``code`` is the AWS error code (``ResourceNotFoundException``...), ``status`` the HTTP status
    (0 for a connection-level failure), ``retryable`` whether trying again may succeed.
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int = 0,
        retryable: bool = False,
        request_id: str | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message
        self.status = status
        self.retryable = retryable
        self.request_id = request_id

    @property
    def not_found(self) -> bool:
        """Whether the bucket, key, version, vault, job or upload named does not exist."""
        return _means_not_found(self.code, self.status)

    @property
    def throttled(self) -> bool:
        """Whether the service refused the request because of the request rate."""
        return _means_throttled(self.code, self.status)


class NotFound(RemoteError):
    """The store has no such thing (object, version, upload, job, vault or bucket), whatever
    its wire code (see :data:`NOT_FOUND_CODES`)."""


class Throttled(RemoteError):
    """The store refused the request because of its rate (see :data:`THROTTLING_CODES`)."""


def remote_error(
    code: str,
    message: str,
    *,
    status: int = 0,
    retryable: bool = False,
    request_id: str | None = None,
) -> RemoteError:
    """The error a store's answer means, typed: :class:`NotFound`, :class:`Throttled` or a
    plain :class:`RemoteError` (every backend's error decoder builds its errors here)."""
    kind: type[RemoteError] = RemoteError
    if _means_not_found(code, status):
        kind = NotFound
    elif _means_throttled(code, status):
        kind = Throttled
    return kind(code, message, status=status, retryable=retryable, request_id=request_id)


class TransferError(AioGlacierError):
    """A file could not be transferred (it changed while read, it is unreadable, ...)."""


def first_leaf(error: BaseException) -> BaseException:
    """The first exception inside (nested) exception groups: what a task group's failure was."""
    while isinstance(error, BaseExceptionGroup):
        error = error.exceptions[0]
    return error

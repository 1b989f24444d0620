"""The Glacier vault backend: the REST API client (:mod:`.api`) and everything vault-specific."""

from aioglacier.backends.glacier.api import (
    GLACIER_API_VERSION,
    CompletionUnknownError,
    GlacierApi,
    JobOutput,
    MultipartPart,
    RetryListener,
    VaultInfo,
    glacier_endpoint,
)

__all__ = [
    "GLACIER_API_VERSION",
    "CompletionUnknownError",
    "GlacierApi",
    "JobOutput",
    "MultipartPart",
    "RetryListener",
    "VaultInfo",
    "glacier_endpoint",
]

"""S3's additional checksums (``x-amz-checksum-*``): algorithms, values, computation.

S3 verifies a checksum sent with a data request and stores it with the object. A value is the
base64 of the big-endian digest. Which algorithm costs least depends on what the caller hashes
anyway (``benchmarks/bench_checksums.py`` measures it): the SigV4 payload hash of a signed request
is the body's linear SHA-256, so ``SHA256`` is free whenever the payload is signed; CRC32
(``zlib.crc32``) is the cheapest of the others available without a compiled dependency.

The functions here hash on the calling thread: call them from an executor for large bodies.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import zlib
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "CHECKSUM_HEADERS",
    "Checksum",
    "ChecksumAlgorithm",
    "ChecksumMode",
    "compute_checksum",
    "content_md5",
]


class ChecksumAlgorithm(StrEnum):
    """The checksum algorithms S3 accepts, by their API names."""

    CRC32 = "CRC32"
    CRC32C = "CRC32C"
    CRC64NVME = "CRC64NVME"
    SHA1 = "SHA1"
    SHA256 = "SHA256"

    @property
    def header(self) -> str:
        """The request and response header carrying a value (``x-amz-checksum-crc32``...)."""
        return "x-amz-checksum-" + self.value.lower()

    @property
    def digest_size(self) -> int:
        """The digest's size in bytes."""
        return _DIGEST_SIZE[self]


_DIGEST_SIZE = {
    ChecksumAlgorithm.CRC32: 4,
    ChecksumAlgorithm.CRC32C: 4,
    ChecksumAlgorithm.CRC64NVME: 8,
    ChecksumAlgorithm.SHA1: 20,
    ChecksumAlgorithm.SHA256: 32,
}

#: Response headers that may carry an object's checksum, and their algorithm.
CHECKSUM_HEADERS = {a.header: a for a in ChecksumAlgorithm}


class ChecksumMode(StrEnum):
    """When requests carry ``x-amz-checksum-*`` headers.

    ``WHEN_SUPPORTED`` (the default): every data request carries one, as AWS's SDKs do since
    2025. ``WHEN_REQUIRED``: none at all, for S3-compatible servers that reject them; integrity
    then rests on the signed payload hash (``x-amz-content-sha256``, which S3 checks) or on
    ``Content-MD5`` where an operation requires it (DeleteObjects).
    """

    WHEN_SUPPORTED = "when_supported"
    WHEN_REQUIRED = "when_required"


@dataclass(frozen=True)
class Checksum:
    """One checksum value: the algorithm and the base64 text S3 sends and expects.

    A multipart object's composite checksum (a checksum of the parts' checksums) carries a
    ``-N`` suffix, the number of parts; :attr:`parts` gives it and :meth:`digest` refuses it.
    """

    algorithm: ChecksumAlgorithm
    value: str

    @property
    def header(self) -> str:
        """The header that carries this value."""
        return self.algorithm.header

    @property
    def parts(self) -> int | None:
        """The number of parts of a composite multipart checksum (``...-N``), else None."""
        _, sep, count = self.value.rpartition("-")
        return int(count) if sep and count.isdigit() else None

    def digest(self) -> bytes:
        """The raw digest; ValueError for a composite value or malformed base64."""
        if self.parts is not None:
            raise ValueError(f"{self.value!r} is a composite multipart checksum")
        try:
            raw = base64.b64decode(self.value, validate=True)
        except binascii.Error as exc:
            raise ValueError(f"{self.value!r} is not base64") from exc
        if len(raw) != self.algorithm.digest_size:
            raise ValueError(f"{self.value!r} is not a {self.algorithm} digest")
        return raw

    @classmethod
    def from_digest(cls, algorithm: ChecksumAlgorithm, digest: bytes) -> Checksum:
        """Build from a raw digest."""
        if len(digest) != algorithm.digest_size:
            raise ValueError(f"a {algorithm} digest has {algorithm.digest_size} bytes")
        return cls(algorithm, base64.b64encode(digest).decode("ascii"))

    @classmethod
    def sha256_hex(cls, hex_digest: str) -> Checksum:
        """The SHA-256 checksum of a body whose SigV4 payload hash (hex) is known: free."""
        return cls.from_digest(ChecksumAlgorithm.SHA256, bytes.fromhex(hex_digest))

    def hex(self) -> str:
        """The digest in hex (for SHA-256: the SigV4 payload hash of the body)."""
        return self.digest().hex()


def compute_checksum(algorithm: ChecksumAlgorithm, data: bytes | memoryview) -> Checksum:
    """Checksum ``data`` with ``algorithm`` (blocking: use an executor for large data).

    CRC32C and CRC64NVME need a compiled library aioglacier does not depend on: they raise
    ValueError here (a caller can still pass values computed elsewhere).
    """
    if algorithm is ChecksumAlgorithm.CRC32:
        return Checksum.from_digest(algorithm, zlib.crc32(data).to_bytes(4, "big"))
    if algorithm is ChecksumAlgorithm.SHA256:
        return Checksum.from_digest(algorithm, hashlib.sha256(data).digest())
    if algorithm is ChecksumAlgorithm.SHA1:
        return Checksum.from_digest(algorithm, hashlib.sha1(data, usedforsecurity=False).digest())
    raise ValueError(f"aioglacier cannot compute {algorithm} checksums")


def content_md5(data: bytes | memoryview) -> str:
    """The ``Content-MD5`` header value of ``data`` (base64 of its MD5 digest)."""
    digest = hashlib.md5(data, usedforsecurity=False).digest()
    return base64.b64encode(digest).decode("ascii")

"""The checksums S3 verifies (``x-amz-checksum-*``) and the MD5 behind ETags.

CRC32 uses zlib; CRC32C and CRC64NVME use ``awscrt`` (what botocore uses for them) or the
``crc32c``/``google-crc32c`` packages when one is installed, else a table-driven pure-Python
version (correct, slow: a few MB/s). SHA-1 and SHA-256 use hashlib.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import zlib
from collections.abc import Callable, Iterable
from typing import Any

__all__ = [
    "ALGORITHMS",
    "Checksum",
    "checksum_header",
    "combine_crc",
    "composite_checksum",
    "decode_checksum",
    "digest_size",
]

#: The algorithms S3 accepts, as named in ``x-amz-sdk-checksum-algorithm`` and XML elements
#: (``ChecksumCRC32`` ...); header names are ``x-amz-checksum-`` plus the lower-case name.
ALGORITHMS: tuple[str, ...] = ("CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256")
CRC_ALGORITHMS = frozenset({"CRC32", "CRC32C", "CRC64NVME"})
_SIZES = {"CRC32": 4, "CRC32C": 4, "CRC64NVME": 8, "SHA1": 20, "SHA256": 32}
# reflected polynomials (width, poly) of the CRCs; init and final xor are all ones
_CRC_PARAMS = {
    "CRC32": (32, 0xEDB88320),
    "CRC32C": (32, 0x82F63B78),
    "CRC64NVME": (64, 0x9A6C9329AC4BC9B5),
}


def checksum_header(algorithm: str) -> str:
    """``x-amz-checksum-crc32`` for ``CRC32``."""
    return f"x-amz-checksum-{algorithm.lower()}"


def digest_size(algorithm: str) -> int:
    """Bytes of a raw checksum."""
    return _SIZES[algorithm]


def decode_checksum(algorithm: str, value: str) -> bytes | None:
    """The raw digest of a base64 checksum value, or None when it is not one of ``algorithm``."""
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == _SIZES[algorithm] else None


def _table(width: int, poly: int) -> list[int]:
    table = []
    for n in range(256):
        crc = n
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLES: dict[str, list[int]] = {}


def _pure_crc(algorithm: str) -> Callable[[bytes, int], int]:
    width, poly = _CRC_PARAMS[algorithm]
    mask = (1 << width) - 1
    table = _TABLES.setdefault(algorithm, _table(width, poly))

    def update(data: bytes, crc: int) -> int:
        crc ^= mask
        for byte in data:
            crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
        return crc ^ mask

    return update


def _accelerated(algorithm: str) -> Callable[[bytes, int], int] | None:
    try:
        from awscrt import checksums as crt  # type: ignore[import-not-found,unused-ignore]

        if algorithm == "CRC32C":
            return lambda data, crc: int(crt.crc32c(data, crc))
        if algorithm == "CRC64NVME" and hasattr(crt, "crc64nvme"):
            return lambda data, crc: int(crt.crc64nvme(data, crc))
    except ImportError:
        pass
    if algorithm == "CRC32C":
        try:
            import crc32c  # type: ignore[import-not-found,unused-ignore]

            return lambda data, crc: int(crc32c.crc32c(data, value=crc))
        except ImportError:
            pass
        try:
            import google_crc32c  # type: ignore[import-not-found,unused-ignore]

            return lambda data, crc: int(google_crc32c.extend(crc, data))
        except ImportError:
            pass
    return None


_CRC_FUNCTIONS: dict[str, Callable[[bytes, int], int]] = {
    "CRC32": zlib.crc32,
}


def _crc_function(algorithm: str) -> Callable[[bytes, int], int]:
    function = _CRC_FUNCTIONS.get(algorithm)
    if function is None:
        function = _accelerated(algorithm) or _pure_crc(algorithm)
        _CRC_FUNCTIONS[algorithm] = function
    return function


class Checksum:
    """A running checksum of one algorithm: :meth:`update`, then :meth:`digest`."""

    __slots__ = ("_crc", "_function", "_hash", "algorithm")

    def __init__(self, algorithm: str) -> None:
        self.algorithm = algorithm
        self._crc = 0
        self._hash: Any = None
        self._function: Callable[[bytes, int], int] | None = None
        if algorithm in CRC_ALGORITHMS:
            self._function = _crc_function(algorithm)
        elif algorithm == "SHA1":
            self._hash = hashlib.sha1()  # noqa: S324  (S3's checksum, not security)
        elif algorithm == "SHA256":
            self._hash = hashlib.sha256()
        else:
            raise ValueError(f"unknown checksum algorithm {algorithm!r}")

    def update(self, data: bytes | memoryview) -> None:
        """Add bytes."""
        if self._function is not None:
            self._crc = self._function(
                bytes(data) if isinstance(data, memoryview) else data, self._crc
            )
        else:
            self._hash.update(data)

    def digest(self) -> bytes:
        """The raw digest so far."""
        if self._function is not None:
            return self._crc.to_bytes(_SIZES[self.algorithm], "big")
        return bytes(self._hash.digest())

    def b64(self) -> str:
        """The digest as S3 writes it (base64)."""
        return base64.b64encode(self.digest()).decode("ascii")


def composite_checksum(algorithm: str, part_digests: Iterable[bytes]) -> str:
    """A multipart upload's COMPOSITE checksum: the checksum of the parts' raw checksums,
    base64, then ``-N``."""
    digests = list(part_digests)
    outer = Checksum(algorithm)
    outer.update(b"".join(digests))
    return f"{outer.b64()}-{len(digests)}"


def _gf2_times(matrix: list[int], vector: int) -> int:
    total = 0
    index = 0
    while vector:
        if vector & 1:
            total ^= matrix[index]
        vector >>= 1
        index += 1
    return total


def _gf2_square(matrix: list[int]) -> list[int]:
    return [_gf2_times(matrix, row) for row in matrix]


def combine_crc(algorithm: str, crc1: int, crc2: int, length2: int) -> int:
    """The CRC of ``A + B`` from ``crc(A)``, ``crc(B)`` and ``len(B)`` (zlib's crc32_combine,
    for any of S3's reflected CRCs): how S3 builds a FULL_OBJECT checksum from part CRCs."""
    width, poly = _CRC_PARAMS[algorithm]
    if length2 <= 0:
        return crc1
    odd = [poly] + [1 << n for n in range(width - 1)]  # operator for one zero bit
    even = _gf2_square(odd)  # two zero bits
    odd = _gf2_square(even)  # four zero bits
    while True:
        even = _gf2_square(odd)  # apply len2 zero bytes to crc1, one bit of len2 at a time
        if length2 & 1:
            crc1 = _gf2_times(even, crc1)
        length2 >>= 1
        if not length2:
            break
        odd = _gf2_square(even)
        if length2 & 1:
            crc1 = _gf2_times(odd, crc1)
        length2 >>= 1
        if not length2:
            break
    return crc1 ^ crc2

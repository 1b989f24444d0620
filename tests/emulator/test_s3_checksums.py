"""The emulator's S3 checksums: known check values, streaming, CRC combination, composites."""

from __future__ import annotations

import base64
import hashlib
import zlib

from hypothesis import given
from hypothesis import strategies as st

from aioglacier.emulator.s3.checksums import (
    Checksum,
    combine_crc,
    composite_checksum,
    decode_checksum,
)

# the CRC catalogue's check values: the CRC of b"123456789"
CHECKS = {"CRC32": 0xCBF43926, "CRC32C": 0xE3069283, "CRC64NVME": 0xAE8B14860A799888}


def crc(algorithm: str, data: bytes) -> int:
    checksum = Checksum(algorithm)
    checksum.update(data)
    return int.from_bytes(checksum.digest(), "big")


def test_check_values() -> None:
    for algorithm, value in CHECKS.items():
        assert crc(algorithm, b"123456789") == value
    sha = Checksum("SHA256")
    sha.update(b"abc")
    assert sha.b64() == base64.b64encode(hashlib.sha256(b"abc").digest()).decode()


@given(
    algorithm=st.sampled_from(sorted(CHECKS)),
    first=st.binary(max_size=300),
    second=st.binary(max_size=300),
)
def test_streaming_and_combination(algorithm: str, first: bytes, second: bytes) -> None:
    whole = crc(algorithm, first + second)
    streamed = Checksum(algorithm)
    streamed.update(first)
    streamed.update(memoryview(second))
    assert int.from_bytes(streamed.digest(), "big") == whole
    assert (
        combine_crc(algorithm, crc(algorithm, first), crc(algorithm, second), len(second)) == whole
    )


def test_composite_and_decoding() -> None:
    parts = [b"part one", b"part two"]
    raws = [zlib.crc32(p).to_bytes(4, "big") for p in parts]
    expected = base64.b64encode(zlib.crc32(b"".join(raws)).to_bytes(4, "big")).decode()
    assert composite_checksum("CRC32", raws) == f"{expected}-2"
    assert decode_checksum("CRC32", "AAAAAA==") == b"\0\0\0\0"
    assert decode_checksum("CRC32", "AAAAAAAA") is None  # six bytes: not a CRC32
    assert decode_checksum("SHA1", "not base64!") is None

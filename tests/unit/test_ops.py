"""Pure parts of the upload operations."""

from __future__ import annotations

import io

import pytest

from aioglacier.backends.glacier.backend import GLACIER_CAPABILITIES
from aioglacier.engine.upload import _read_full
from aioglacier.errors import TransferError

MAX_PARTS = GLACIER_CAPABILITIES.max_parts
part_size_for = GLACIER_CAPABILITIES.part_size_for

MIB = 1024 * 1024


@pytest.mark.parametrize(
    ("size", "wanted", "expected"),
    [
        (1, MIB, MIB),
        (MAX_PARTS * MIB, MIB, MIB),
        (MAX_PARTS * MIB + 1, MIB, 2 * MIB),
        (100 * 1024**3, 16 * MIB, 16 * MIB),
        (1024**4, 16 * MIB, 128 * MIB),  # 1 TiB needs 128 MiB parts
        (MAX_PARTS * 4096 * MIB, MIB, 4096 * MIB),
    ],
)
def test_part_size_grows_to_fit_10000_parts(size: int, wanted: int, expected: int) -> None:
    part = part_size_for(size, wanted)
    assert part == expected
    assert -(-size // part) <= MAX_PARTS


def test_too_large_for_glacier() -> None:
    with pytest.raises(TransferError, match="more than a Glacier archive can hold"):
        part_size_for(MAX_PARTS * 4096 * MIB + 1, MIB)


def test_read_full_reads_across_short_reads() -> None:
    class Trickle(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.data = data

        def read(self, n: int = -1) -> bytes:
            k = min(3, n)
            chunk, self.data = self.data[:k], self.data[k:]
            return chunk

    src = Trickle(b"abcdefghij")
    assert _read_full(src.read, 7) == b"abcdefg"
    assert _read_full(src.read, 7) == b"hij"
    assert _read_full(src.read, 7) == b""

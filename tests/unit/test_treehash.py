"""Tests of aioglacier.treehash against an independent naive tree hash written here."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import os
import random
import sys
import threading
from array import array
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from blockbuster import BlockBusterFunction, BlockingError, blockbuster_ctx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aioglacier.errors import TransferError
from aioglacier.treehash import (
    EMPTY_TREE_HASH,
    MIB,
    FileHash,
    TreeHasher,
    combine_hashes,
    is_tree_hash_aligned,
    is_valid_part_size,
    part_tree_hashes,
    range_tree_hash,
    sha256_leaves,
    tree_hash,
    tree_hash_file,
    tree_hash_file_sync,
    tree_hash_from_parts,
    tree_hash_hex,
)

# --------------------------------------------------------------------------------------------
# The naive reference: written from the AWS description, sharing no code with the module.


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def naive_leaves(data: bytes) -> list[bytes]:
    if not data:
        return [sha(b"")]
    return [sha(data[i : i + 1024 * 1024]) for i in range(0, len(data), 1024 * 1024)]


def naive_root(nodes: list[bytes]) -> bytes:
    """One level up per call: pair neighbours, carry an odd last node, recurse."""
    if len(nodes) == 1:
        return nodes[0]
    parents = []
    for i in range(0, len(nodes), 2):
        pair = nodes[i : i + 2]
        parents.append(sha(pair[0] + pair[1]) if len(pair) == 2 else pair[0])
    return naive_root(parents)


def naive_tree_hash(data: bytes) -> bytes:
    return naive_root(naive_leaves(data))


def naive_all_nodes(data: bytes) -> set[bytes]:
    """Every node of the whole tree, at every level (carried nodes included)."""
    level = naive_leaves(data)
    nodes = set(level)
    while len(level) > 1:
        level = [
            sha(level[i] + level[i + 1]) if i + 1 < len(level) else level[i]
            for i in range(0, len(level), 2)
        ]
        nodes.update(level)
    return nodes


# --------------------------------------------------------------------------------------------
# Cheap deterministic data: a random 1 MiB block, each MiB prefixed by its index, so no two
# leaves are equal (equal leaves would make unrelated ranges hash alike).

_BASE = random.Random(20240601).randbytes(MIB)


def make_data(size: int) -> bytes:
    blocks = [k.to_bytes(8, "big") + _BASE[8:] for k in range(-(-size // MIB))]
    return b"".join(blocks)[:size]


_POOL = make_data(5 * MIB + 64)

SIZES = [0, 1, MIB - 1, MIB, MIB + 1, 2 * MIB, 3 * MIB + 5, 7 * MIB, 100 * MIB + 3]
SIZE_IDS = ["0", "1", "1MiB-1", "1MiB", "1MiB+1", "2MiB", "3MiB+5", "7MiB", "100MiB+3"]


@pytest.fixture(scope="module")
def data_cache() -> dict[int, bytes]:
    return {}


def get_data(cache: dict[int, bytes], size: int) -> bytes:
    if size not in cache:
        cache[size] = make_data(size)
    return cache[size]


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[bytes], Path]:
    def write(data: bytes) -> Path:
        path = tmp_path / f"data-{len(data)}.bin"
        path.write_bytes(data)
        return path

    return write


# --------------------------------------------------------------------------------------------
# Pure functions


def test_naive_reference_against_botocore_vectors() -> None:
    # Vectors published in botocore's tests (tests/unit/test_utils.py, TestTreeHash), checked
    # there against other AWS SDKs. They pin the naive reference, and the module below.
    vectors = {
        b"": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        b"a" * 1024: "2edc986847e209b4016e141a6dc8716d3207350f416969382d431539bf292e4a",
        b"a" * MIB: "9bc1b2a288b26af7257a36277ae3816a7d4f16e89c1e7e77d0a5c48bad62b360",
        b"a" * (4 * MIB): "9491cb2ed1d4e7cd53215f4017c23ec4ad21d7050a1e6bb636c4f67e8cddb844",
        b"a" * (4 * MIB + 20): "12f3cbd6101b981cde074039f6f728071da8879d6f632de8afc7cdf00661b08f",
    }
    for data, expected in vectors.items():
        assert naive_tree_hash(data).hex() == expected
        assert tree_hash_hex(data) == expected
        hasher = TreeHasher()
        hasher.update(data)
        assert hasher.hexdigest() == expected


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_tree_hash_matches_naive(size: int, data_cache: dict[int, bytes]) -> None:
    data = get_data(data_cache, size)
    expected = naive_tree_hash(data)
    assert sha256_leaves(data) == naive_leaves(data)
    assert tree_hash(data) == expected
    assert tree_hash(memoryview(data)) == expected
    assert tree_hash(bytearray(data)) == expected
    assert tree_hash_hex(data) == expected.hex()
    assert combine_hashes(naive_leaves(data)) == expected


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_tree_hasher_matches_naive_and_hashlib(size: int, data_cache: dict[int, bytes]) -> None:
    data = get_data(data_cache, size)
    hasher = TreeHasher()
    step = 300_007  # crosses leaf boundaries at odd places
    with memoryview(data) as view:
        for pos in range(0, len(data), step):
            hasher.update(view[pos : pos + step])
    assert hasher.size == size
    assert hasher.leaves() == naive_leaves(data)
    assert hasher.digest() == naive_tree_hash(data)
    assert hasher.hexdigest() == naive_tree_hash(data).hex()
    assert hasher.sha256_digest() == hashlib.sha256(data).digest()
    assert hasher.sha256_hexdigest() == hashlib.sha256(data).hexdigest()


def test_empty_input_is_sha256_of_nothing() -> None:
    empty = hashlib.sha256(b"").digest()
    assert empty == EMPTY_TREE_HASH
    assert sha256_leaves(b"") == [empty]
    assert tree_hash(b"") == empty
    hasher = TreeHasher()
    hasher.update(b"")
    assert hasher.size == 0
    assert hasher.leaves() == [empty]
    assert hasher.digest() == empty
    assert hasher.sha256_digest() == empty


def test_tree_hasher_digest_does_not_finalize() -> None:
    data = make_data(2 * MIB + 10)
    hasher = TreeHasher()
    hasher.update(data[:MIB])
    assert hasher.digest() == naive_tree_hash(data[:MIB])
    assert hasher.leaves() == naive_leaves(data[:MIB])
    hasher.update(data[MIB:])
    assert hasher.digest() == naive_tree_hash(data)
    assert hasher.sha256_digest() == hashlib.sha256(data).digest()


def test_non_byte_buffers_are_hashed_as_their_bytes() -> None:
    numbers = array("I", range(300_000))  # 1.2 MB, item size 4
    raw = numbers.tobytes()
    assert tree_hash(memoryview(numbers)) == naive_tree_hash(raw)
    assert sha256_leaves(memoryview(numbers)) == naive_leaves(raw)
    hasher = TreeHasher()
    hasher.update(memoryview(numbers))
    assert hasher.digest() == naive_tree_hash(raw)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_tree_hasher_any_chunking(data: st.DataObject) -> None:
    size = data.draw(
        st.one_of(
            st.integers(0, 5 * MIB + 17),
            st.sampled_from(
                [k * MIB + d for k in range(6) for d in (-1, 0, 1) if k * MIB + d >= 0]
            ),
        ),
        label="size",
    )
    boundary = st.sampled_from([k * MIB + d for k in range(6) for d in (-1, 0, 1)]).filter(
        lambda cut: 0 <= cut <= size
    )
    cuts = data.draw(st.lists(st.one_of(st.integers(0, size), boundary), max_size=12), label="cuts")
    payload = _POOL[:size]
    hasher = TreeHasher()
    points = [0, *sorted(cuts), size]
    with memoryview(payload) as view:
        for begin, end in itertools.pairwise(points):
            hasher.update(view[begin:end])
    assert hasher.size == size
    assert hasher.digest() == naive_tree_hash(payload)
    assert hasher.leaves() == naive_leaves(payload)
    assert hasher.sha256_digest() == hashlib.sha256(payload).digest()


def test_combine_hashes_errors() -> None:
    with pytest.raises(ValueError, match=r"^combine_hashes\(\) needs at least one hash$"):
        combine_hashes([])
    with pytest.raises(ValueError, match=r"^hash #1 is 31 bytes long, a SHA-256 digest is 32$"):
        combine_hashes([sha(b"a"), b"x" * 31])
    with pytest.raises(ValueError, match=r"^combine_hashes\(\) needs at least one hash$"):
        tree_hash_from_parts([])


def test_combine_hashes_shapes() -> None:
    a, b, c, d, e = (sha(bytes([i])) for i in range(5))
    assert combine_hashes([a]) == a
    assert combine_hashes([a, b]) == sha(a + b)
    assert combine_hashes([a, b, c]) == sha(sha(a + b) + c)
    assert combine_hashes([a, b, c, d]) == sha(sha(a + b) + sha(c + d))
    assert combine_hashes([a, b, c, d, e]) == sha(sha(sha(a + b) + sha(c + d)) + e)
    assert combine_hashes((a, b)) == sha(a + b)


def test_is_valid_part_size() -> None:
    valid = [MIB << n for n in range(13)]
    assert all(is_valid_part_size(size) for size in valid)
    for size in (0, -MIB, MIB - 1, MIB + 1, 3 * MIB, 6 * MIB, 8192 * MIB, MIB // 2):
        assert not is_valid_part_size(size), size


# --------------------------------------------------------------------------------------------
# Multipart: parts of 1 MiB * 2**n hashed alone, then combined.

PART_FILE_SIZE = 9 * MIB + 7


@pytest.mark.parametrize("part_mib", [1, 2, 4, 8, 16])
async def test_parts_combine_to_whole(part_mib: int, write_file: Callable[[bytes], Path]) -> None:
    data = make_data(PART_FILE_SIZE)
    path = write_file(data)
    part_size = part_mib * MIB
    whole = naive_tree_hash(data)
    part_hashes = []
    for offset in range(0, len(data), part_size):
        part = await tree_hash_file(path, offset=offset, length=min(part_size, len(data) - offset))
        expected_part = data[offset : offset + part_size]
        assert part.size == len(expected_part)
        assert part.tree_hash == naive_tree_hash(expected_part)
        assert part.tree_hash == tree_hash(expected_part)
        part_hashes.append(part.tree_hash)
    assert len(part_hashes) == -(-PART_FILE_SIZE // part_size)
    assert tree_hash_from_parts(part_hashes) == whole
    assert part_tree_hashes(naive_leaves(data), part_size) == part_hashes


def test_part_tree_hashes_errors() -> None:
    with pytest.raises(ValueError, match=r"^part size 1000 is not a positive multiple of 1 MiB$"):
        part_tree_hashes([sha(b"")], 1000)
    with pytest.raises(ValueError, match=r"^part size 0 is not a positive multiple of 1 MiB$"):
        part_tree_hashes([sha(b"")], 0)
    with pytest.raises(ValueError, match=r"^part_tree_hashes\(\) needs at least one leaf hash$"):
        part_tree_hashes([], MIB)


# --------------------------------------------------------------------------------------------
# Tree-hash aligned ranges, checked against the definition: a range is aligned iff the tree
# hash of its bytes alone is a node of the whole archive's tree.


def mib_aligned_ranges(total: int) -> Iterator[tuple[int, int]]:
    last = total - 1
    for start in range(0, total, MIB):
        ends = list(range(start + MIB - 1, last, MIB))
        ends.append(last)
        yield from ((start, end) for end in ends)


@pytest.mark.parametrize(
    "total",
    [1, MIB, MIB + 1, 2 * MIB, 3 * MIB, 5 * MIB + 5, 13 * MIB // 2, 8 * MIB, 11 * MIB + 1],
    ids=["1", "1MiB", "1MiB+1", "2MiB", "3MiB", "5MiB+5", "6.5MiB", "8MiB", "11MiB+1"],
)
def test_alignment_matches_definition(total: int) -> None:
    data = make_data(total)
    nodes = naive_all_nodes(data)
    leaves = naive_leaves(data)
    aligned_count = 0
    for start, end in mib_aligned_ranges(total):
        piece_hash = naive_tree_hash(data[start : end + 1])
        aligned = piece_hash in nodes
        aligned_count += aligned
        assert is_tree_hash_aligned(start, end, total) is aligned, (start, end)
        assert range_tree_hash(leaves, start, end) == piece_hash, (start, end)
    assert aligned_count >= 1
    assert is_tree_hash_aligned(0, total - 1, total) is True


def test_alignment_aws_example_six_and_a_half_mib() -> None:
    # AWS's example archive of 6.5 MB (7 leaves), in MiB units [P, Q).
    total = 13 * MIB // 2

    def aligned(p: int, q: int) -> bool:
        end = min(q * MIB, total) - 1
        return is_tree_hash_aligned(p * MIB, end, total)

    assert [aligned(p, p + 1) for p in range(7)] == [True] * 7
    assert [aligned(p, p + 2) for p in range(6)] == [True, False, True, False, True, False]
    assert [aligned(p, p + 4) for p in range(4)] == [True, False, False, False]
    assert aligned(4, 7)  # [4 MiB, end): the carried node over the last 3 leaves
    assert not aligned(5, 7)
    assert aligned(6, 7)
    assert aligned(0, 7)
    assert not aligned(2, 7)
    assert not aligned(0, 3)


def test_alignment_rejects_unaligned_bytes() -> None:
    total = 5 * MIB + 5
    assert not is_tree_hash_aligned(1, MIB - 1, total)
    assert not is_tree_hash_aligned(MIB, 2 * MIB, total)
    assert not is_tree_hash_aligned(0, MIB - 2, total)
    assert not is_tree_hash_aligned(4 * MIB, total - 2, total)
    assert is_tree_hash_aligned(4 * MIB, total - 1, total)
    assert is_tree_hash_aligned(5 * MIB, total - 1, total)


def test_alignment_errors() -> None:
    with pytest.raises(ValueError, match=r"^total size must be positive, got 0$"):
        is_tree_hash_aligned(0, 0, 0)
    with pytest.raises(
        ValueError, match=r"^byte range 0-1048576 is not inside an archive of 1048576 bytes$"
    ):
        is_tree_hash_aligned(0, MIB, MIB)
    with pytest.raises(ValueError, match=r"^byte range 5-4 is not inside an archive of 10 bytes$"):
        is_tree_hash_aligned(5, 4, 10)
    with pytest.raises(ValueError, match=r"^byte range -1-4 is not inside an archive of 10 bytes$"):
        is_tree_hash_aligned(-1, 4, 10)


def test_range_tree_hash_errors() -> None:
    leaves = naive_leaves(make_data(3 * MIB + 1))
    with pytest.raises(ValueError, match=r"^range_tree_hash\(\) needs at least one leaf hash$"):
        range_tree_hash([], 0, 0)
    with pytest.raises(ValueError, match=r"^invalid byte range 7-6$"):
        range_tree_hash(leaves, 7, 6)
    with pytest.raises(ValueError, match=r"^range start 5 is not a multiple of 1 MiB$"):
        range_tree_hash(leaves, 5, MIB - 1)
    with pytest.raises(ValueError, match=r"^byte range 0-4194304 goes past the last of 4 leaves$"):
        range_tree_hash(leaves, 0, 4 * MIB)
    with pytest.raises(
        ValueError,
        match=r"^range end 1048574 \+ 1 is not a multiple of 1 MiB nor the archive's end$",
    ):
        range_tree_hash(leaves, 0, MIB - 2)
    # A range ending inside the last leaf means "to the archive's end".
    assert range_tree_hash(leaves, 3 * MIB, 3 * MIB) == leaves[3]


# --------------------------------------------------------------------------------------------
# Files


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
async def test_tree_hash_file_matches_naive(
    size: int, data_cache: dict[int, bytes], write_file: Callable[[bytes], Path]
) -> None:
    data = get_data(data_cache, size)
    path = write_file(data)
    expected = FileHash(
        size=size, tree_hash=naive_tree_hash(data), leaves=tuple(naive_leaves(data))
    )
    assert await tree_hash_file(path) == expected
    assert await tree_hash_file(str(path), job_size=MIB, max_workers=1) == expected
    assert tree_hash_file_sync(path) == expected
    assert expected.hex == naive_tree_hash(data).hex()


async def test_tree_hash_file_slices(write_file: Callable[[bytes], Path]) -> None:
    data = make_data(6 * MIB + 3)
    path = write_file(data)
    for offset, length in [
        (0, 0),
        (MIB, 0),
        (0, None),
        (MIB, None),
        (2 * MIB, None),
        (MIB, 3 * MIB),
        (6 * MIB, 3),
    ]:
        piece = data[offset:] if length is None else data[offset : offset + length]
        expected = FileHash(len(piece), naive_tree_hash(piece), tuple(naive_leaves(piece)))
        assert await tree_hash_file(path, offset=offset, length=length) == expected
        assert tree_hash_file_sync(path, offset=offset, length=length) == expected


async def test_tree_hash_file_argument_errors(write_file: Callable[[bytes], Path]) -> None:
    path = write_file(make_data(2 * MIB))
    name = os.fsdecode(path)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"offset": 5}, "offset 5 is not a non-negative multiple of 1 MiB"),
        ({"offset": -MIB}, f"offset {-MIB} is not a non-negative multiple of 1 MiB"),
        ({"length": -1}, "length must not be negative, got -1"),
        ({"job_size": MIB + 1}, f"job size {MIB + 1} is not a positive multiple of 1 MiB"),
        ({"max_workers": 0}, "max_workers must be at least 1, got 0"),
        (
            {"offset": 3 * MIB},
            f"{name}: offset {3 * MIB} is past the end of the file ({2 * MIB} bytes)",
        ),
        (
            {"offset": MIB, "length": MIB + 1},
            f"{name}: {MIB + 1} bytes at offset {MIB} go past the end of the file "
            f"({2 * MIB} bytes)",
        ),
    ]
    for kwargs, message in cases:
        with pytest.raises(ValueError, match=r".") as caught:
            await tree_hash_file(path, **kwargs)
        assert str(caught.value) == message
        with pytest.raises(ValueError, match=r".") as caught_sync:
            tree_hash_file_sync(path, **kwargs)
        assert str(caught_sync.value) == message


async def test_tree_hash_file_missing_and_directory(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        await tree_hash_file(tmp_path / "missing")
    with pytest.raises(IsADirectoryError):
        await tree_hash_file(tmp_path)
    with pytest.raises(IsADirectoryError):
        tree_hash_file_sync(tmp_path)


class RecordingExecutor(ThreadPoolExecutor):
    """A thread pool that records what it ran, where, and how many jobs it held at once."""

    def __init__(self, workers: int, before_submit: Callable[[int], None] | None = None) -> None:
        super().__init__(max_workers=workers, thread_name_prefix="recording")
        self._lock = threading.Lock()
        self.submitted = 0
        self.outstanding = 0
        self.max_outstanding = 0
        self.thread_names: set[str] = set()
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self._before_submit = before_submit

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        if self._before_submit is not None:
            self._before_submit(self.submitted)

        def run() -> Any:
            with self._lock:
                self.thread_names.add(threading.current_thread().name)
            return fn(*args, **kwargs)

        with self._lock:
            self.calls.append((getattr(fn, "__name__", "?"), args))
            self.submitted += 1
            self.outstanding += 1
            self.max_outstanding = max(self.max_outstanding, self.outstanding)
        future = super().submit(run)
        future.add_done_callback(self._done)
        return future

    def _done(self, _: Future[Any]) -> None:
        with self._lock:
            self.outstanding -= 1


async def test_injected_executor_runs_every_job_with_bounded_jobs_in_flight(
    write_file: Callable[[bytes], Path],
) -> None:
    data = make_data(9 * MIB + 7)
    path = write_file(data)
    with RecordingExecutor(workers=3) as executor:
        result = await tree_hash_file(path, executor=executor, job_size=MIB, max_workers=1)
    assert result.tree_hash == naive_tree_hash(data)
    # open + 10 leaf jobs + (combine and close)
    assert executor.submitted == 12
    assert executor.thread_names
    assert all(name.startswith("recording") for name in executor.thread_names)
    assert executor.max_outstanding <= 2  # 2 x max_workers jobs in flight, never more


async def test_default_executor_is_the_loops(write_file: Callable[[bytes], Path]) -> None:
    data = make_data(3 * MIB)
    path = write_file(data)
    loop = asyncio.get_running_loop()
    executor = RecordingExecutor(workers=2)
    loop.set_default_executor(executor)
    result = await tree_hash_file(path, job_size=MIB)
    assert result.tree_hash == naive_tree_hash(data)
    assert executor.submitted == 5


async def test_small_file_takes_one_job(write_file: Callable[[bytes], Path]) -> None:
    data = make_data(4 * MIB)
    path = write_file(data)
    with RecordingExecutor(workers=2) as executor:
        result = await tree_hash_file(path, executor=executor, job_size=4 * MIB)
        assert result == FileHash(4 * MIB, naive_tree_hash(data), tuple(naive_leaves(data)))
        assert executor.submitted == 1
        empty = await tree_hash_file(path, executor=executor, offset=4 * MIB)
        assert empty == FileHash(0, EMPTY_TREE_HASH, (EMPTY_TREE_HASH,))
        assert executor.submitted == 2
        assert (await tree_hash_file(path, executor=executor)) == result  # automatic size
        assert executor.submitted == 3


# Automatic jobs take 1 / (2 x workers) of what is left, whole MiB, 4..128 MiB.
@pytest.mark.parametrize(
    ("workers", "sizes_mib"), [(1, [20, 10, 5, 4, 1]), (2, [10, 8, 6, 4, 4, 4, 4])]
)
async def test_automatic_jobs_shrink_towards_the_end(
    workers: int, sizes_mib: list[int], write_file: Callable[[bytes], Path]
) -> None:
    data = make_data(40 * MIB)
    path = write_file(data)
    with RecordingExecutor(workers=2) as executor:
        result = await tree_hash_file(path, executor=executor, max_workers=workers)
    assert result.tree_hash == naive_tree_hash(data)
    names = [name for name, _ in executor.calls]
    assert names == ["_open_job"] + ["_hash_job"] * len(sizes_mib) + ["_final_job"]
    # _hash_job(shared, buffer, offset, nbytes, path)
    jobs = [(args[2], args[3]) for name, args in executor.calls if name == "_hash_job"]
    assert [nbytes for _, nbytes in jobs] == [size * MIB for size in sizes_mib]
    assert [offset for offset, _ in jobs] == [sum(sizes_mib[:i]) * MIB for i in range(len(jobs))]


async def test_tree_hash_file_does_not_block_the_loop(write_file: Callable[[bytes], Path]) -> None:
    data = make_data(5 * MIB + 9)
    path = write_file(data)
    executor = ThreadPoolExecutor(max_workers=2)
    with blockbuster_ctx() as blockbuster:
        # blockbuster does not know pread or hashing; teach it, so that reading or hashing on
        # the loop thread fails the test.
        for name in ("os.pread", "os.preadv", "os.open", "os.fstat", "hashlib.sha256"):
            function = BlockBusterFunction(None, name)
            blockbuster.functions[name] = function
            function.activate()
        with pytest.raises(BlockingError):
            tree_hash(b"x")  # the detector works on the loop thread
        result = await tree_hash_file(path, job_size=2 * MIB)
        injected = await tree_hash_file(path, executor=executor)
    executor.shutdown()
    assert result.tree_hash == naive_tree_hash(data)
    assert injected == result


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts /proc/self/fd")
async def test_cancelled_hash_closes_its_file(write_file: Callable[[bytes], Path]) -> None:
    path = write_file(make_data(32 * MIB))
    started = threading.Event()

    def gate(submitted: int) -> None:
        if submitted == 3:  # the third leaf job: let the first ones run, then hold
            started.set()

    fds_before = set(os.listdir("/proc/self/fd"))
    with RecordingExecutor(workers=2, before_submit=gate) as executor:
        task = asyncio.create_task(
            tree_hash_file(path, executor=executor, job_size=MIB, max_workers=2)
        )
        while not started.is_set():
            await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    # The executor is shut down (all jobs ended): the descriptor must be closed.
    assert set(os.listdir("/proc/self/fd")) <= fds_before


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts /proc/self/fd")
async def test_no_descriptor_leaks(write_file: Callable[[bytes], Path], tmp_path: Path) -> None:
    small = write_file(make_data(MIB + 1))
    large = write_file(make_data(9 * MIB))
    fds_before = set(os.listdir("/proc/self/fd"))
    with RecordingExecutor(workers=2) as executor:
        await tree_hash_file(small, executor=executor)
        await tree_hash_file(large, executor=executor, job_size=MIB)
        with pytest.raises(ValueError, match=r"go past the end of the file"):
            await tree_hash_file(large, executor=executor, length=10 * MIB)
        with pytest.raises(IsADirectoryError):
            await tree_hash_file(tmp_path, executor=executor)
    tree_hash_file_sync(small)
    tree_hash_file_sync(large, job_size=MIB)
    with pytest.raises(ValueError, match=r"go past the end of the file"):
        tree_hash_file_sync(large, length=10 * MIB)
    assert set(os.listdir("/proc/self/fd")) <= fds_before


async def test_cancelling_stops_running_jobs_at_the_next_leaf(
    write_file: Callable[[bytes], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_file(make_data(32 * MIB))
    reading = threading.Event()
    go_on = threading.Event()
    calls = 0
    real_preadv = os.preadv

    def slow_preadv(fd: int, buffers: list[memoryview], offset: int) -> int:
        nonlocal calls
        calls += 1
        if calls == 1:
            reading.set()
            go_on.wait(10)
        return real_preadv(fd, buffers, offset)

    monkeypatch.setattr(os, "preadv", slow_preadv)
    with RecordingExecutor(workers=1) as executor:
        # One thread: the first 16 MiB job runs, the second waits in the queue.
        task = asyncio.create_task(
            tree_hash_file(path, executor=executor, job_size=16 * MIB, max_workers=1)
        )
        while not reading.is_set():
            await asyncio.sleep(0.001)
        task.cancel()
        for _ in range(5):  # let the task reach its cleanup
            await asyncio.sleep(0)
        go_on.set()
        with pytest.raises(asyncio.CancelledError):
            await task
    # The running job finished its current leaf (8 reads of 128 KiB) and stopped; the queued
    # one never ran. Without the per-leaf check it would have read all 16 MiB (128 reads).
    assert calls == 8


async def test_file_shrinking_while_hashed_is_a_transfer_error(
    write_file: Callable[[bytes], Path],
) -> None:
    path = write_file(make_data(4 * MIB))

    def shrink(submitted: int) -> None:
        if submitted == 1:  # after the open, before the first leaf job
            os.truncate(path, 2 * MIB + 100)

    with (
        RecordingExecutor(workers=2, before_submit=shrink) as executor,
        pytest.raises(TransferError, match="shrank") as caught,
    ):
        await tree_hash_file(path, executor=executor, job_size=MIB, max_workers=1)
    assert str(caught.value) == (
        f"{os.fsdecode(path)}: file shrank while being hashed (no data at offset {2 * MIB + 100})"
    )


def test_file_hash_is_frozen() -> None:
    result = FileHash(size=0, tree_hash=EMPTY_TREE_HASH, leaves=(EMPTY_TREE_HASH,))
    assert result.hex == EMPTY_TREE_HASH.hex()
    with pytest.raises(AttributeError):
        result.size = 1  # type: ignore[misc]

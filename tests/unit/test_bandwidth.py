"""--bwlimit: rclone's syntax, timetables, and the token bucket's pacing (on a fake clock)."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aioglacier.bandwidth import (
    Bandwidth,
    Rates,
    Slot,
    Timetable,
    TokenBucket,
    parse_bwlimit,
    parse_rate,
)
from aioglacier.errors import UsageError


class FakeTime:
    """A monotonic clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.now += delay
        await asyncio.sleep(0)


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("512k", 512 * 1024),
        ("512K", 512 * 1024),
        ("4M", 4 * 1024**2),
        ("4Mi", 4 * 1024**2),
        ("1.5G", 1.5 * 1024**3),
        ("100", 100 * 1024),
        ("2048B", 2048),
        ("1T", 1024**4),
        ("off", None),
        ("OFF", None),
        ("0", None),
    ],
)
def test_parse_rate(text: str, rate: float | None) -> None:
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["fast", "4X", "-1M", "1,5M", ""])
def test_parse_rate_refuses(text: str) -> None:
    with pytest.raises(UsageError, match="is not a rate"):
        parse_rate(text)


def test_plain_and_split_limits() -> None:
    assert parse_bwlimit("4M") == Timetable((Slot(None, 0, Rates(4 * 1024**2, 4 * 1024**2)),))
    assert parse_bwlimit("4M:off").rates_at(datetime(2026, 1, 1)) == Rates(4 * 1024**2, None)
    assert parse_bwlimit("off").unlimited
    assert not parse_bwlimit("off:1M").unlimited


def test_daily_timetable() -> None:
    table = parse_bwlimit("08:00,512k 19:00,off")
    monday_noon = datetime(2026, 11, 30, 12, 0)  # a Monday
    assert table.rates_at(monday_noon) == Rates(512 * 1024, 512 * 1024)
    assert table.rates_at(monday_noon.replace(hour=19)) == Rates(None, None)
    # Before 08:00 the previous day's last entry (19:00, off) still holds.
    assert table.rates_at(monday_noon.replace(hour=7, minute=59)) == Rates(None, None)
    assert table.rates_at(monday_noon.replace(hour=8)) == Rates(512 * 1024, 512 * 1024)


def test_weekly_timetable_wraps_around_the_week() -> None:
    table = parse_bwlimit("Mon-08:00,1M;Sat-00:00,off")
    assert table.rates_at(datetime(2026, 12, 2, 3, 0)).upload == 1024**2  # Wednesday
    assert table.rates_at(datetime(2026, 12, 5, 0, 0)).upload is None  # Saturday
    # Monday before 08:00: Saturday's entry still holds (the week wraps).
    assert table.rates_at(datetime(2026, 11, 30, 7, 0)).upload is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("08:00,", "is not a rate"),
        ("8,1M 9,2M", "is not a timetable entry"),
        ("25:00,1M 26:00,off", "is not a time of day"),
        ("Xyz-08:00,1M 09:00,off", "is not a day"),
        ("08:00,fast 09:00,off", "is not a rate"),
        ("  ", "empty value"),
    ],
)
def test_bad_timetables_are_one_line_usage_errors(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message) as info:
        parse_bwlimit(text)
    assert "\n" not in str(info.value)


async def test_unlimited_bucket_never_waits() -> None:
    t = FakeTime()
    bucket = TokenBucket(lambda: None, clock=t.clock, sleep=t.sleep)
    for _ in range(100):
        await bucket.take(1 << 20)
    assert t.now == 1000.0
    assert bucket.waited == 0


@given(
    rate=st.integers(10_000, 50_000_000),
    chunks=st.lists(st.integers(1, 1 << 20), min_size=20, max_size=200),
    callers=st.integers(1, 64),
)
def test_concurrent_callers_share_one_rate(rate: int, chunks: list[int], callers: int) -> None:
    """Whatever the chunk sizes and the number of concurrent callers, the bytes pass at the
    rate: the elapsed (fake) time is the bytes over the rate, less at most the burst."""

    async def main() -> float:
        t = FakeTime()
        bucket = TokenBucket(lambda: float(rate), burst=0.25, clock=t.clock, sleep=t.sleep)
        queue = list(chunks)

        async def caller() -> None:
            while queue:
                await bucket.take(queue.pop())

        await asyncio.gather(*(caller() for _ in range(callers)))
        return t.now - 1000.0

    elapsed = asyncio.run(main())
    ideal = sum(chunks) / rate
    assert ideal - 0.25 - 1e-9 <= elapsed <= ideal + 1e-9


async def test_bandwidth_follows_the_timetable_as_the_day_goes() -> None:
    t = FakeTime()
    wall = [datetime(2026, 11, 30, 7, 59)]
    bw = Bandwidth(
        parse_bwlimit("08:00,1M:2M 19:00,off"),
        now=lambda: wall[0],
        clock=t.clock,
        sleep=t.sleep,
        burst=0,
    )
    await bw.upload.take(10 << 20)  # 07:59: the 19:00 "off" entry holds
    assert t.now == 1000.0
    wall[0] = wall[0].replace(hour=8)
    await bw.upload.take(1 << 20)
    assert t.now == pytest.approx(1001.0)
    await bw.download.take(4 << 20)
    assert t.now == pytest.approx(1003.0)

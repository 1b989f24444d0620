"""A vault job's output window: Warmup.expires from the job's CompletionDate (+24 hours)."""

from __future__ import annotations

from datetime import UTC, datetime

from aioglacier.backends.glacier.backend import JOB_OUTPUT_WINDOW, _output_expiry


def test_expiry_is_completion_plus_24_hours() -> None:
    done = datetime(2026, 12, 2, 10, 0, 0, 339000, tzinfo=UTC)
    job = {"StatusCode": "Succeeded", "CompletionDate": "2026-12-02T10:00:00.339Z"}
    assert _output_expiry(job) == done.timestamp() + 24 * 3600
    assert JOB_OUTPUT_WINDOW == 86400


def test_no_or_bad_completion_date_means_unknown() -> None:
    assert _output_expiry({"StatusCode": "Succeeded"}) is None
    assert _output_expiry({"CompletionDate": None}) is None
    assert _output_expiry({"CompletionDate": "yesterday"}) is None

"""aioglacier.sigv4: the behaviours mutation testing (mutation/run.py sigv4) found unasserted:
every refusal's exact AWS code, message and status; what the signer takes from the caller's
headers (Host, the payload hash, repeated headers); the clock and time zones; URLs with a
userinfo or a default port; S3's path signed as sent; canonical paths and queries at their edges.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import botocore.auth
import botocore.credentials
import pytest
from botocore.awsrequest import AWSRequest
from multidict import CIMultiDict

from aioglacier.sigv4 import (
    EMPTY_SHA256,
    Credentials,
    HmacSha256,
    SignatureError,
    SigV4Signer,
    canonical_path,
    canonical_query,
    derive_signing_key,
    verify_request,
)

AK = "AKIAIOSFODNN7EXAMPLE"
SK = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
NOW = datetime(2024, 5, 17, 12, 34, 56, tzinfo=UTC)
URL = "http://127.0.0.1:8123/-/vaults/v1"
ALG = "AWS4-HMAC-SHA256"


def _signed(
    url: str = URL,
    headers: CIMultiDict[str] | dict[str, str] | None = None,
    *,
    access_key: str = AK,
    payload: str = EMPTY_SHA256,
) -> CIMultiDict[str]:
    """The headers a server receives for a GET of ``url`` signed by our signer."""
    sent: CIMultiDict[str] = CIMultiDict(headers or {"x-amz-glacier-version": "2012-06-01"})
    signer = SigV4Signer(Credentials(access_key, SK), "us-east-1", "glacier")
    received = CIMultiDict(sent)
    received.update(signer.sign("GET", url, sent, payload, now=NOW))
    if "host" not in received:
        received["Host"] = "127.0.0.1:8123"
    return received


def _verify(
    headers: CIMultiDict[str],
    *,
    payload: str = EMPTY_SHA256,
    keys: dict[str, tuple[str, str | None]] | None = None,
    max_skew: timedelta = timedelta(minutes=15),
    now: datetime = NOW,
) -> str:
    return verify_request(
        "GET",
        "/-/vaults/v1",
        "",
        headers,
        payload,
        lookup_secret=(keys or {AK: (SK, None)}).get,
        now=now,
        max_skew=max_skew,
    ).access_key


def _refused(headers: CIMultiDict[str], **kwargs: object) -> SignatureError:
    with pytest.raises(SignatureError) as info:
        _verify(headers, **kwargs)  # type: ignore[arg-type]
    assert SK not in str(info.value)
    return info.value


def _with_authorization(value: str) -> CIMultiDict[str]:
    headers = _signed()
    headers["Authorization"] = value
    return headers


def test_signature_error_text_is_code_and_message() -> None:
    error = SignatureError("AccessDeniedException", "no")
    assert str(error) == "AccessDeniedException: no"
    assert (error.code, error.message, error.status) == ("AccessDeniedException", "no", 403)


def test_unsupported_algorithm_is_refused_with_its_name() -> None:
    error = _refused(_with_authorization("AWS AKIAIOSFODNN7EXAMPLE:abc"))
    assert (error.code, error.status) == ("IncompleteSignatureException", 400)
    assert error.message == "Unsupported AWS 'algorithm': 'AWS'"


def test_missing_authorization_parameters_are_each_named() -> None:
    error = _refused(
        _with_authorization(f"{ALG} Credential={AK}/20240517/us-east-1/glacier/aws4_request")
    )
    assert (error.code, error.status) == ("IncompleteSignatureException", 400)
    assert error.message == (
        "Authorization header requires 'SignedHeaders' parameter. "
        "Authorization header requires 'Signature' parameter. "
        f"Authorization={ALG}"
    )


@pytest.mark.parametrize(
    "credential",
    [
        f"{AK}/20240517/us-east-1/glacier",
        f"{AK}/20240517/us-east-1/glacier/aws5_request",
        f"{AK}/20240517/us-east-1/glacier/aws4_request/x",
    ],
)
def test_a_credential_not_of_five_elements_ending_aws4_request_is_refused(
    credential: str,
) -> None:
    error = _refused(
        _with_authorization(
            f"{ALG} Credential={credential}, SignedHeaders=host;x-amz-date, Signature=00"
        )
    )
    assert (error.code, error.status) == ("IncompleteSignatureException", 400)
    assert error.message == (
        "Credential must have exactly 5 slash-delimited elements, e.g. "
        f"keyid/date/region/service/term, got '{credential}'"
    )


def test_authorization_values_are_split_at_their_first_equals_sign() -> None:
    keys: dict[str, tuple[str, str | None]] = {"AK=1": (SK, None)}
    assert _verify(_signed(access_key="AK=1"), keys=keys) == "AK=1"


def test_missing_x_amz_date_is_refused() -> None:
    headers = _signed()
    del headers["X-Amz-Date"]
    error = _refused(headers)
    assert (error.code, error.status) == ("IncompleteSignatureException", 400)
    assert error.message == (
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        f"Authorization={ALG}"
    )


def test_x_amz_date_must_be_signed() -> None:
    headers = _signed()
    headers["Authorization"] = headers["Authorization"].replace(";x-amz-date", "")
    assert "x-amz-date" not in headers["Authorization"]
    error = _refused(headers)
    assert (error.code, error.status) == ("InvalidSignatureException", 403)
    assert error.message == "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization."


@pytest.mark.parametrize("amz_date", ["2024-05-17T12:34:56Z", "20241317T123456Z"])
def test_a_date_not_in_basic_format_is_refused(amz_date: str) -> None:
    headers = _signed()
    headers["X-Amz-Date"] = amz_date
    error = _refused(headers)
    assert (error.code, error.status) == ("IncompleteSignatureException", 400)
    assert error.message == (
        f"Date must be in ISO-8601 'basic format'. Got '{amz_date}'. "
        "See http://en.wikipedia.org/wiki/ISO_8601"
    )


def test_the_callers_host_header_is_the_one_signed() -> None:
    headers = _signed(headers={"Host": "glacier.example:8443"})
    assert headers["Host"] == "glacier.example:8443"
    assert "host" in headers["Authorization"]
    assert _verify(headers) == AK


def test_the_x_amz_content_sha256_header_is_the_payload_hash_signed() -> None:
    declared = hashlib.sha256(b"declared").hexdigest()
    headers = _signed(headers={"x-amz-content-sha256": declared}, payload=EMPTY_SHA256)
    assert _verify(headers, payload=declared) == AK
    assert _refused(headers, payload=EMPTY_SHA256).code == "InvalidSignatureException"


def test_repeated_headers_are_signed_comma_joined() -> None:
    sent: CIMultiDict[str] = CIMultiDict([("x-amz-meta-a", "one"), ("X-Amz-Meta-A", " two  2 ")])
    headers = _signed(headers=sent)
    assert headers.getall("x-amz-meta-a") == ["one", " two  2 "]
    assert _verify(headers) == AK


def _authorization(url: str, signer: SigV4Signer | None = None, **kwargs: object) -> str:
    signer = signer or SigV4Signer(Credentials(AK, SK), "us-east-1", "glacier")
    kwargs.setdefault("now", NOW)
    return signer.sign("GET", url, {}, EMPTY_SHA256, **kwargs)["Authorization"]  # type: ignore[arg-type]


def test_host_from_url_drops_userinfo_and_default_ports() -> None:
    assert _authorization("http://user:pw@example.com/x") == _authorization("http://example.com/x")
    assert _authorization("https://Example.COM:443/x") == _authorization("https://example.com/x")
    assert _authorization("http://example.com:443/x") != _authorization("http://example.com/x")


def test_an_empty_path_is_signed_as_slash() -> None:
    for signer in (
        SigV4Signer(Credentials(AK, SK), "us-east-1", "glacier"),
        SigV4Signer.for_s3(Credentials(AK, SK), "us-east-1"),
    ):
        assert _authorization("http://example.com", signer) == _authorization(
            "http://example.com/", signer
        )


def _botocore_s3(url: str, payload: str) -> str:
    request = AWSRequest(method="GET", url=url, headers={"x-amz-content-sha256": payload})
    auth = botocore.auth.S3SigV4Auth(botocore.credentials.Credentials(AK, SK), "s3", "eu-west-1")
    original = botocore.auth.get_current_datetime
    botocore.auth.get_current_datetime = lambda: NOW.replace(tzinfo=None)
    try:
        auth.add_auth(request)
    finally:
        botocore.auth.get_current_datetime = original
    value = request.headers["Authorization"]
    return value.decode() if isinstance(value, bytes) else value


@pytest.mark.parametrize(
    "path", ["/bucket/a//b/./c/../d", "/bucket/key%20with%20spaces", "/bucket/x"]
)
def test_s3_signs_the_path_as_sent_like_botocore(path: str) -> None:
    signer = SigV4Signer.for_s3(Credentials(AK, SK), "eu-west-1")
    assert signer.normalize_path is False
    assert (signer.region, signer.service) == ("eu-west-1", "s3")
    assert signer.credentials == Credentials(AK, SK)
    url = f"http://127.0.0.1:9000{path}"
    headers = {"x-amz-content-sha256": EMPTY_SHA256}
    ours = signer.sign("GET", url, headers, EMPTY_SHA256, now=NOW)["Authorization"]
    assert ours == _botocore_s3(url, EMPTY_SHA256)


@pytest.fixture
def tokyo_local_time() -> Iterator[None]:
    """The process's local time zone is not UTC (the signer must not depend on it)."""
    import os

    saved = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Tokyo"
    time.tzset()
    try:
        yield
    finally:
        if saved is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = saved
        time.tzset()


def test_the_date_signed_is_utc_whatever_the_local_zone(tokyo_local_time: None) -> None:
    signer = SigV4Signer(Credentials(AK, SK), "us-east-1", "glacier")
    before = datetime.now(UTC).replace(microsecond=0)
    added = signer.sign("GET", URL, {}, EMPTY_SHA256)
    after = datetime.now(UTC)
    signed_at = datetime.strptime(added["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert before <= signed_at <= after
    plus_two = NOW.astimezone(timezone(timedelta(hours=2)))
    assert signer.sign("GET", URL, {}, EMPTY_SHA256, now=plus_two) == signer.sign(
        "GET", URL, {}, EMPTY_SHA256, now=NOW
    )
    assert signer.sign("GET", URL, {}, EMPTY_SHA256, now=NOW)["X-Amz-Date"] == "20240517T123456Z"


def test_canonical_path_edges() -> None:
    assert canonical_path("a/./b") == "a/b"
    assert canonical_path("/a/./b/") == "/a/b/"
    assert canonical_path("/a~b c") == "/a~b%20c"


def test_canonical_query_edges() -> None:
    assert canonical_query("b=2&&a=1") == "a=1&b=2"
    assert canonical_query("a~/b=1") == "a~%2Fb=1"


@pytest.mark.parametrize("size", [63, 64, 65, 100, 200])
def test_hmac_keys_longer_than_a_block_are_hashed_first(size: int) -> None:
    import hmac

    key = bytes(range(size))
    assert HmacSha256(key).digest(b"msg") == hmac.new(key, b"msg", hashlib.sha256).digest()


def test_verify_accepts_a_naive_utc_now_or_any_zone(tokyo_local_time: None) -> None:
    headers = _signed()
    assert _verify(headers, now=NOW.replace(tzinfo=None)) == AK
    assert _verify(headers, now=NOW.astimezone(timezone(timedelta(hours=2)))) == AK
    error = _refused(
        headers, now=(NOW + timedelta(minutes=16)).astimezone(timezone(timedelta(hours=2)))
    )
    assert error.message == (
        "Signature expired: 20240517T123456Z is now earlier than 20240517T123556Z "
        "(20240517T125056Z - 15 min.)"
    )


def test_a_request_exactly_at_the_skew_limit_is_accepted() -> None:
    headers = _signed()
    assert _verify(headers, now=NOW - timedelta(minutes=15)) == AK
    assert _verify(headers, now=NOW + timedelta(minutes=15)) == AK


def test_a_signed_header_not_received_is_a_signature_mismatch() -> None:
    headers = _signed(headers={"x-amz-meta-a": "v"})
    del headers["x-amz-meta-a"]
    error = _refused(headers)
    assert error.code == "InvalidSignatureException"
    assert error.message.startswith("The request signature we calculated does not match")


def test_verify_keeps_and_uses_the_derived_keys_in_the_given_cache() -> None:
    headers = _signed()
    scope = (SK, "20240517", "us-east-1", "glacier")
    cache: dict[tuple[str, str, str, str], HmacSha256] = {
        (f"other-{i}", "20240517", "us-east-1", "glacier"): HmacSha256(b"x") for i in range(64)
    }
    assert _verify_cached(headers, cache) == AK
    assert list(cache) == [scope]  # full: emptied before the new key went in
    assert cache[scope].key == derive_signing_key(*scope)
    cache[scope] = HmacSha256(b"not the key")  # the cached key is the one used
    assert _refused_cached(headers, cache).code == "InvalidSignatureException"


def _verify_cached(
    headers: CIMultiDict[str], cache: dict[tuple[str, str, str, str], HmacSha256]
) -> str:
    return verify_request(
        "GET",
        "/-/vaults/v1",
        "",
        headers,
        EMPTY_SHA256,
        lookup_secret={AK: (SK, None)}.get,
        now=NOW,
        key_cache=cache,
    ).access_key


def _refused_cached(
    headers: CIMultiDict[str], cache: dict[tuple[str, str, str, str], HmacSha256]
) -> SignatureError:
    with pytest.raises(SignatureError) as info:
        _verify_cached(headers, cache)
    return info.value

"""SigV4: our signer equals botocore byte for byte; the verifier accepts and rejects as AWS."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlsplit

import botocore.auth
import botocore.credentials
import pytest
from botocore.awsrequest import AWSRequest
from hypothesis import given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict

from aioglacier.sigv4 import (
    EMPTY_SHA256,
    Credentials,
    HmacSha256,
    SignatureError,
    SigV4Signer,
    VerifiedIdentity,
    canonical_query,
    verify_request,
)

AK = "AKIAIOSFODNN7EXAMPLE"
SK = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
NOW = datetime(2024, 5, 17, 12, 34, 56, tzinfo=UTC)
BASE = "http://127.0.0.1:8123"


def botocore_sign(
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes,
    *,
    token: str | None = None,
    region: str = "us-east-1",
    service: str = "glacier",
    when: datetime = NOW,
) -> AWSRequest:
    """Sign with botocore's SigV4Auth at a fixed timestamp (its own add_auth, unmodified)."""
    request = AWSRequest(method=method, url=url, headers=dict(headers), data=body)
    auth = botocore.auth.SigV4Auth(botocore.credentials.Credentials(AK, SK, token), service, region)
    original = botocore.auth.get_current_datetime
    botocore.auth.get_current_datetime = lambda: when.replace(tzinfo=None)
    try:
        auth.add_auth(request)
    finally:
        botocore.auth.get_current_datetime = original
    return request


def ours(
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes,
    *,
    token: str | None = None,
    region: str = "us-east-1",
    service: str = "glacier",
    when: datetime = NOW,
) -> dict[str, str]:
    signer = SigV4Signer(Credentials(AK, SK, token), region, service)
    return signer.sign(method, url, headers, hashlib.sha256(body).hexdigest(), now=when)


def glacier_upload_headers(body: bytes) -> dict[str, str]:
    digest = hashlib.sha256(body).hexdigest()
    return {
        "x-amz-archive-description": "my   archive  ",
        "x-amz-content-sha256": digest,
        "x-amz-sha256-tree-hash": digest,
        "x-amz-glacier-version": "2012-06-01",
        "User-Agent": "aioglacier/0.1",
    }


CASES = [
    ("POST", f"{BASE}/-/vaults/v1/archives", glacier_upload_headers(b"hello"), b"hello"),
    (
        "PUT",
        f"{BASE}/-/vaults/v1/multipart-uploads/UPLOADID",
        {**glacier_upload_headers(b"x" * 100), "Content-Range": "bytes 0-99/*"},
        b"x" * 100,
    ),
    (
        "PUT",
        f"{BASE}/123456789012/vaults/my.vault_-1",
        {"x-amz-glacier-version": "2012-06-01"},
        b"",
    ),
    (
        "DELETE",
        f"{BASE}/-/vaults/v1/archives/ABC-_def",
        {"x-amz-glacier-version": "2012-06-01"},
        b"",
    ),
    (
        "POST",
        f"{BASE}/-/vaults/v1/jobs",
        {"Content-Type": "application/json", "x-amz-glacier-version": "2012-06-01"},
        b'{"Type": "inventory-retrieval"}',
    ),
    (
        "GET",
        f"{BASE}/-/vaults/v1/jobs?"
        + "&".join(
            f"{k}={quote(v, safe='-_.~')}"
            for k, v in [("limit", "5"), ("marker", "a/b c+d=e&f~g"), ("statuscode", "Succeeded")]
        ),
        {"x-amz-glacier-version": "2012-06-01"},
        b"",
    ),
    ("GET", f"{BASE}/-/vaults/v1/jobs/J/output", {"Range": "bytes=0-1048575"}, b""),
    ("GET", f"{BASE}/-/vaults/{quote('vä ult/ü', safe='')}/x", {}, b""),
    ("GET", f"{BASE}/-/vaults/a/./b/../c//d/", {}, b""),
    ("GET", "https://glacier.us-east-1.amazonaws.com/-/vaults", {"X-Amz-Meta": "  a   b  "}, b""),
    ("GET", "http://Example.COM:80/-/vaults?z=1&a=2&a=1&m", {}, b""),
]


@pytest.mark.parametrize(("method", "url", "headers", "body"), CASES)
@pytest.mark.parametrize("token", [None, "FwoGZXIvYXdzEXAMPLETOKEN//+=="])
def test_authorization_equals_botocore(
    method: str, url: str, headers: dict[str, str], body: bytes, token: str | None
) -> None:
    expected = botocore_sign(method, url, headers, body, token=token)
    added = ours(method, url, headers, body, token=token)
    assert added["Authorization"] == expected.headers["Authorization"]
    assert added["X-Amz-Date"] == expected.headers["X-Amz-Date"] == "20240517T123456Z"
    if token is None:
        assert set(added) == {"Authorization", "X-Amz-Date"}
    else:
        assert added["X-Amz-Security-Token"] == token == expected.headers["X-Amz-Security-Token"]


def test_exact_authorization_value() -> None:
    added = ours("POST", f"{BASE}/-/vaults/v1/archives", glacier_upload_headers(b"hello"), b"hello")
    assert added["Authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240517/us-east-1/glacier/aws4_request, "
        "SignedHeaders=host;x-amz-archive-description;x-amz-content-sha256;x-amz-date;"
        "x-amz-glacier-version;x-amz-sha256-tree-hash, Signature="
        + botocore_sign(
            "POST", f"{BASE}/-/vaults/v1/archives", glacier_upload_headers(b"hello"), b"hello"
        )
        .headers["Authorization"]
        .rsplit("=", 1)[1]
    )


def test_caller_date_and_auth_headers_are_replaced() -> None:
    headers = {
        "X-Amz-Date": "20000101T000000Z",
        "Authorization": "junk",
        "x-amz-glacier-version": "1",
    }
    expected = botocore_sign("GET", f"{BASE}/-/vaults", headers, b"")
    assert (
        ours("GET", f"{BASE}/-/vaults", headers, b"")["Authorization"]
        == (expected.headers["Authorization"])
    )


def test_signing_key_cached_and_day_rollover() -> None:
    signer = SigV4Signer(Credentials(AK, SK), "us-east-1", "glacier")
    a = signer.signing_key("20240517")
    assert signer.signing_key("20240517") is a
    assert signer.signing_key("20240518") != a
    later = NOW + timedelta(days=1)
    assert (
        ours("GET", f"{BASE}/-/vaults", {}, b"", when=later)["Authorization"]
        == (botocore_sign("GET", f"{BASE}/-/vaults", {}, b"", when=later).headers["Authorization"])
    )


def test_other_region_and_service() -> None:
    for region, service in [("eu-west-1", "glacier"), ("us-east-1", "s3"), ("ap-south-2", "sts")]:
        assert (
            ours("GET", f"{BASE}/x", {}, b"", region=region, service=service)["Authorization"]
            == botocore_sign("GET", f"{BASE}/x", {}, b"", region=region, service=service).headers[
                "Authorization"
            ]
        )


def test_credentials_repr_hides_secrets() -> None:
    creds = Credentials(AK, SK, "SESSIONTOKEN123")
    for text in (repr(creds), str(creds), repr(SigV4Signer(creds, "us-east-1", "glacier"))):
        assert SK not in text
        assert "SESSIONTOKEN123" not in text
        assert AK in text
    assert repr(creds) == "Credentials(access_key='AKIAIOSFODNN7EXAMPLE')"


def test_canonical_query_reencodes_and_sorts() -> None:
    assert canonical_query("b=2&a=%7e&a=1&c") == "a=1&a=~&b=2&c="
    assert canonical_query("m=a b/c") == "m=a%20b%2Fc"
    assert canonical_query("") == ""


# --- hypothesis: arbitrary paths, query values and header values -------------------------

_text = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x2FF, exclude_characters="\x7f"),
    max_size=20,
)


@settings(max_examples=150, deadline=None)
@given(
    segments=st.lists(_text.filter(lambda s: s not in (".", "..")), min_size=1, max_size=4),
    params=st.lists(st.tuples(st.from_regex(r"[a-z]{1,6}", fullmatch=True), _text), max_size=4),
    header_value=st.from_regex(r"[ -~]{0,30}", fullmatch=True),
    method=st.sampled_from(["GET", "PUT", "POST", "DELETE"]),
)
def test_hypothesis_equals_botocore(
    segments: list[str], params: list[tuple[str, str]], header_value: str, method: str
) -> None:
    path = "/" + "/".join(quote(s, safe="-_.~") for s in segments)
    query = "&".join(f"{k}={quote(v, safe='-_.~')}" for k, v in params)
    url = f"{BASE}{path}" + (f"?{query}" if query else "")
    headers = {"x-amz-glacier-version": "2012-06-01", "x-amz-thing": header_value}
    expected = botocore_sign(method, url, headers, b"body")
    assert ours(method, url, headers, b"body")["Authorization"] == expected.headers["Authorization"]
    # and the verifier accepts botocore's request as received
    verify_botocore(expected, hashlib.sha256(b"body").hexdigest())


# --- verifier --------------------------------------------------------------------------------


DEFAULT_KEYS: dict[str, tuple[str, str | None]] = {AK: (SK, None)}


def received_headers(request: AWSRequest) -> CIMultiDict[str]:
    headers: CIMultiDict[str] = CIMultiDict()
    for k, v in request.headers.items():
        headers.add(k, v.decode() if isinstance(v, bytes) else v)
    if "host" not in headers:
        netloc = urlsplit(request.url).netloc
        headers["Host"] = netloc.removesuffix(":80") if request.url.startswith("http:") else netloc
    return headers


def verify_botocore(
    request: AWSRequest,
    payload_hex: str,
    *,
    keys: dict[str, tuple[str, str | None]] = DEFAULT_KEYS,
    now: datetime = NOW,
    headers: CIMultiDict[str] | None = None,
    path: str | None = None,
    region: str | None = None,
) -> VerifiedIdentity:
    parts = urlsplit(request.url)
    return verify_request(
        request.method,
        parts.path if path is None else path,
        parts.query,
        received_headers(request) if headers is None else headers,
        payload_hex,
        lookup_secret=keys.get,
        now=now,
        region=region,
        service="glacier",
    )


UPLOAD_BODY = b"archive bytes"
UPLOAD_URL = f"{BASE}/-/vaults/v1/archives"


def signed_upload(token: str | None = None) -> AWSRequest:
    return botocore_sign(
        "POST", UPLOAD_URL, glacier_upload_headers(UPLOAD_BODY), UPLOAD_BODY, token=token
    )


def test_verify_accepts_botocore_requests() -> None:
    ident = verify_botocore(signed_upload(), hashlib.sha256(UPLOAD_BODY).hexdigest())
    assert ident == VerifiedIdentity(AK, "us-east-1", "glacier")
    for method, url, headers, body in CASES:
        if url.startswith("https") or "Example" in url:
            continue
        req = botocore_sign(method, url, headers, body)
        payload = headers.get("x-amz-content-sha256", hashlib.sha256(body).hexdigest())
        assert verify_botocore(req, payload).access_key == AK


def test_verify_accepts_our_signature() -> None:
    signer = SigV4Signer(Credentials(AK, SK), "eu-central-1", "glacier")
    headers = {"x-amz-glacier-version": "2012-06-01"}
    added = signer.sign("GET", f"{BASE}/-/vaults?limit=2", headers, EMPTY_SHA256, now=NOW)
    received = CIMultiDict({**headers, **added, "Host": "127.0.0.1:8123"})
    ident = verify_request(
        "GET",
        "/-/vaults",
        "limit=2",
        received,
        EMPTY_SHA256,
        lookup_secret=DEFAULT_KEYS.get,
        now=NOW + timedelta(minutes=14),
    )
    assert ident == VerifiedIdentity(AK, "eu-central-1", "glacier")


def test_verify_session_token() -> None:
    keys: dict[str, tuple[str, str | None]] = {AK: (SK, "TOKEN")}
    payload = hashlib.sha256(UPLOAD_BODY).hexdigest()
    assert verify_botocore(signed_upload("TOKEN"), payload, keys=keys).access_key == AK
    for token in (None, "OTHER"):
        with pytest.raises(SignatureError) as err:
            verify_botocore(signed_upload(token), payload, keys=keys)
        assert err.value.code == "UnrecognizedClientException"
        assert err.value.status == 403
    # a token sent for a key configured without one
    with pytest.raises(SignatureError) as err:
        verify_botocore(signed_upload("TOKEN"), payload)
    assert err.value.code == "UnrecognizedClientException"


SIG_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)


def expect_error(code: str, message: str | None = None, status: int = 403, **kwargs) -> None:  # type: ignore[no-untyped-def]
    request = kwargs.pop("request", None) or signed_upload()
    payload = kwargs.pop("payload", hashlib.sha256(UPLOAD_BODY).hexdigest())
    with pytest.raises(SignatureError) as err:
        verify_botocore(request, payload, **kwargs)
    assert err.value.code == code
    assert err.value.status == status
    if message is not None:
        assert err.value.message == message
    assert SK not in str(err.value)


def test_verify_rejects_changed_header() -> None:
    headers = received_headers(signed_upload())
    headers["x-amz-archive-description"] = "other"
    expect_error("InvalidSignatureException", SIG_MISMATCH, headers=headers)


def test_verify_rejects_changed_tree_hash_header() -> None:
    headers = received_headers(signed_upload())
    headers["x-amz-sha256-tree-hash"] = "0" * 64
    expect_error("InvalidSignatureException", SIG_MISMATCH, headers=headers)


def test_verify_rejects_changed_body_hash() -> None:
    expect_error("InvalidSignatureException", SIG_MISMATCH, payload=EMPTY_SHA256)


def test_verify_rejects_changed_path() -> None:
    expect_error("InvalidSignatureException", SIG_MISMATCH, path="/-/vaults/v2/archives")


def test_verify_rejects_changed_host() -> None:
    headers = received_headers(signed_upload())
    headers["Host"] = "127.0.0.1:9999"
    expect_error("InvalidSignatureException", SIG_MISMATCH, headers=headers)


def test_verify_rejects_expired_and_future_dates() -> None:
    expect_error(
        "InvalidSignatureException",
        "Signature expired: 20240517T123456Z is now earlier than 20240517T123557Z "
        "(20240517T125057Z - 15 min.)",
        now=NOW + timedelta(minutes=16, seconds=1),
    )
    expect_error(
        "InvalidSignatureException",
        "Signature not yet current: 20240517T123456Z is still later than 20240517T123455Z "
        "(20240517T121955Z + 15 min.)",
        now=NOW - timedelta(minutes=15, seconds=1),
    )
    # within the skew: accepted
    verify_botocore(
        signed_upload(), hashlib.sha256(UPLOAD_BODY).hexdigest(), now=NOW + timedelta(minutes=15)
    )


def test_verify_rejects_unknown_key_and_wrong_secret() -> None:
    expect_error(
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
        keys={"AKIAOTHER": (SK, None)},
    )
    expect_error("InvalidSignatureException", SIG_MISMATCH, keys={AK: ("wrong-secret", None)})


def test_verify_rejects_wrong_scope() -> None:
    expect_error(
        "InvalidSignatureException",
        "Credential should be scoped to a valid region, not 'us-east-1'. ",
        region="eu-west-1",
    )
    s3 = botocore_sign("GET", f"{BASE}/x", {}, b"", service="s3")
    expect_error(
        "InvalidSignatureException",
        "Credential should be scoped to correct service: 'glacier'. ",
        request=s3,
        payload=EMPTY_SHA256,
    )
    # region in the scope is trusted when the verifier accepts any region
    eu = botocore_sign("GET", f"{BASE}/x", {}, b"", region="eu-west-1")
    assert verify_botocore(eu, EMPTY_SHA256).region == "eu-west-1"


def test_verify_missing_or_malformed_authorization() -> None:
    headers = received_headers(signed_upload())
    del headers["Authorization"]
    expect_error(
        "MissingAuthenticationTokenException",
        "Missing Authentication Token",
        status=400,
        headers=headers,
    )
    headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240517"
    expect_error("IncompleteSignatureException", status=400, headers=headers)
    headers["Authorization"] = "AWS AKIAIOSFODNN7EXAMPLE:abc"
    expect_error("IncompleteSignatureException", status=400, headers=headers)


def test_verify_requires_host_and_date_signed() -> None:
    original = received_headers(signed_upload())
    headers = original.copy()
    headers["Authorization"] = headers["Authorization"].replace("host;", "")
    expect_error(
        "InvalidSignatureException",
        "'Host' must be a 'SignedHeader' in the AWS Authorization.",
        headers=headers,
    )
    headers = original.copy()
    headers["X-Amz-Date"] = "20240517T123457Z"
    expect_error("InvalidSignatureException", SIG_MISMATCH, headers=headers)
    headers["X-Amz-Date"] = "20240518T123456Z"
    expect_error(
        "InvalidSignatureException",
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
        "HTTP: '20240517' != '20240518', from '20240518T123456Z'.",
        headers=headers,
        now=NOW + timedelta(days=1),
    )


@settings(max_examples=200, deadline=None)
@given(key=st.binary(max_size=150), msg=st.binary(max_size=300))
def test_hmac_sha256_equals_stdlib(key: bytes, msg: bytes) -> None:
    import hmac

    assert HmacSha256(key).digest(msg) == hmac.new(key, msg, hashlib.sha256).digest()


def test_amz_date_matches_strftime() -> None:
    from datetime import UTC, datetime

    from aioglacier.sigv4 import AMZ_DATE_FORMAT, _amz_date

    for when in (
        datetime(2013, 1, 2, 3, 4, 5, 999999, tzinfo=UTC),
        datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(999, 7, 8, 9, 10, 11, tzinfo=UTC),
        datetime(1, 1, 1, tzinfo=UTC),
    ):
        assert _amz_date(when) == when.strftime(AMZ_DATE_FORMAT)


def test_sign_same_path_twice_and_headers_differing_in_case() -> None:
    """The cached canonical path gives the same signature as the first signing; names that
    differ only in case are signed as one header, values joined by commas in order."""
    from datetime import UTC, datetime

    from aioglacier.sigv4 import Credentials, SigV4Signer

    creds = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    now = datetime(2015, 8, 30, 12, 36, tzinfo=UTC)
    url = "https://example.amazonaws.com/a/./b//c"
    headers = {"X-Amz-Meta-A": "  one  two ", "x-amz-meta-a": "three"}
    first = SigV4Signer(creds, "us-east-1", "service").sign("GET", url, headers, "e3b0", now=now)
    # The signature the signer gave before its fast paths (list of values per name, path
    # normalized on every call).
    assert first["Authorization"].endswith(
        "SignedHeaders=host;x-amz-date;x-amz-meta-a, "
        "Signature=0b56b36966bcf004cd5f0b7096d73fade04a984f3b8631dab963a391ea7cd897"
    )
    signer = SigV4Signer(creds, "us-east-1", "service")
    assert signer.sign("GET", url, headers, "e3b0", now=now) == first
    assert signer.sign("GET", url, headers, "e3b0", now=now) == first

"""SigV4 as S3 checks it: header and presigned-URL authentication, S3's error codes.

S3 differs from the other services in three ways that matter here: the canonical URI is the
path exactly as sent (no normalisation, no second encoding), ``x-amz-content-sha256`` is
required and may say ``UNSIGNED-PAYLOAD`` or a ``STREAMING-...`` chunked mode, and errors are
S3's (``SignatureDoesNotMatch``, ``InvalidAccessKeyId``, ``RequestTimeTooSkewed``...).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

from aioglacier.emulator.s3.errors import S3Error, access_denied, invalid_request
from aioglacier.sigv4 import HeaderMultiMapping, HmacSha256, canonical_query, derive_signing_key

__all__ = [
    "STREAMING_SIGNED",
    "STREAMING_SIGNED_TRAILER",
    "STREAMING_UNSIGNED_TRAILER",
    "UNSIGNED_PAYLOAD",
    "S3Auth",
    "verify_s3_request",
]

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
STREAMING_SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
STREAMING_SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
_PAYLOAD_MODES = frozenset(
    {UNSIGNED_PAYLOAD, STREAMING_SIGNED, STREAMING_SIGNED_TRAILER, STREAMING_UNSIGNED_TRAILER}
)
_HEX64 = re.compile(r"[0-9a-f]{64}")
_AMZ_DATE = re.compile(r"(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z")
_MAX_SKEW = timedelta(minutes=15)
_MAX_PRESIGN = 604800
_KEY_CACHE_MAX = 64


@dataclass(frozen=True)
class S3Auth:
    """A request that passed authentication: who, for which scope, and what it says about its
    payload (``payload``: a hex SHA-256 to check, ``UNSIGNED-PAYLOAD`` or a streaming mode).
    ``key``, ``amz_date``, ``scope`` and ``signature`` seed the chunk signatures of
    ``STREAMING-AWS4-HMAC-SHA256-PAYLOAD`` bodies."""

    access_key: str
    region: str
    payload: str
    key: HmacSha256
    amz_date: str
    scope: str
    signature: str
    presigned: bool = False


def _malformed(message: str, region: str | None = None) -> S3Error:
    fields = {"Region": region} if region else None
    return S3Error(
        "AuthorizationHeaderMalformed",
        f"The authorization header is malformed; {message}",
        400,
        fields,
    )


def _parse_time(amz_date: str, *, presigned: bool) -> datetime:
    match = _AMZ_DATE.fullmatch(amz_date)
    try:
        if match is None:
            raise ValueError(amz_date)
        year, month, day, hour, minute, second = (int(g) for g in match.groups())
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        if presigned:
            raise S3Error(
                "AuthorizationQueryParametersError",
                "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
                400,
            ) from None
        raise access_denied(
            "AWS authentication requires a valid Date or x-amz-date header"
        ) from None


def _signing_key(
    secret: str,
    date: str,
    region: str,
    cache: MutableMapping[tuple[str, str, str, str], HmacSha256],
) -> HmacSha256:
    cache_key = (secret, date, region, "s3")
    key = cache.get(cache_key)
    if key is None:
        if len(cache) >= _KEY_CACHE_MAX:
            cache.clear()
        key = cache[cache_key] = HmacSha256(derive_signing_key(*cache_key))
    return key


def _trim(value: str) -> str:
    return " ".join(value.split())


def verify_s3_request(
    method: str,
    raw_path: str,
    raw_query: str,
    headers: HeaderMultiMapping,
    *,
    lookup_secret: Callable[[str], tuple[str, str | None] | None],
    now: datetime,
    key_cache: MutableMapping[tuple[str, str, str, str], HmacSha256],
) -> S3Auth:
    """Authenticate an S3 request (header or presigned form) or raise :class:`S3Error`.

    The payload itself is not checked here: the caller verifies the body against
    :attr:`S3Auth.payload` as it receives it.
    """
    authorization = headers.get("authorization")
    presigned = authorization is None and "X-Amz-Credential=" in raw_query
    query_for_signing = raw_query
    if authorization is not None:
        algorithm, _, rest = authorization.strip().partition(" ")
        if algorithm != ALGORITHM:
            raise invalid_request(
                "The authorization mechanism you have provided is not supported. Please use "
                "AWS4-HMAC-SHA256."
            )
        fields: dict[str, str] = {}
        for item in rest.split(","):
            name, sep, value = item.strip().partition("=")
            if sep:
                fields[name.strip()] = value.strip()
        credential = fields.get("Credential")
        signed = fields.get("SignedHeaders")
        signature = fields.get("Signature")
        if credential is None or signed is None or signature is None:
            missing = (
                "Credential"
                if credential is None
                else "SignedHeaders"
                if signed is None
                else "Signature"
            )
            raise _malformed(f"missing {missing}.")
        amz_date = headers.get("x-amz-date")
        if amz_date is None:
            raise access_denied("AWS authentication requires a valid Date or x-amz-date header")
        payload = headers.get("x-amz-content-sha256")
        if payload is None:
            raise invalid_request("Missing required header for this request: x-amz-content-sha256")
        if payload not in _PAYLOAD_MODES and not _HEX64.fullmatch(payload):
            raise S3Error(
                "InvalidArgument",
                "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-"
                "TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-"
                "PAYLOAD-TRAILER or a valid sha256 value.",
                400,
                {"ArgumentName": "x-amz-content-sha256", "ArgumentValue": payload},
            )
        expires: int | None = None
    elif presigned:
        params: dict[str, str] = {}
        kept: list[str] = []
        for item in raw_query.split("&"):
            name, _, value = item.partition("=")
            if name.startswith("X-Amz-"):
                params[name] = unquote(value)
            if name != "X-Amz-Signature":
                kept.append(item)
        query_for_signing = "&".join(kept)
        missing_params = [
            p
            for p in (
                "X-Amz-Algorithm",
                "X-Amz-Credential",
                "X-Amz-Signature",
                "X-Amz-Date",
                "X-Amz-SignedHeaders",
                "X-Amz-Expires",
            )
            if p not in params
        ]
        if missing_params:
            raise S3Error(
                "AuthorizationQueryParametersError",
                "Query-string authentication version 4 requires the X-Amz-Algorithm, "
                "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and "
                "X-Amz-Expires parameters.",
                400,
            )
        if params["X-Amz-Algorithm"] != ALGORITHM:
            raise S3Error(
                "AuthorizationQueryParametersError",
                'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"',
                400,
            )
        credential = params["X-Amz-Credential"]
        signed = params["X-Amz-SignedHeaders"]
        signature = params["X-Amz-Signature"]
        amz_date = params["X-Amz-Date"]
        payload = headers.get("x-amz-content-sha256") or UNSIGNED_PAYLOAD
        raw_expires = params["X-Amz-Expires"]
        if not raw_expires.isdigit():
            raise S3Error(
                "AuthorizationQueryParametersError",
                "X-Amz-Expires should be a number",
                400,
            )
        expires = int(raw_expires)
        if expires > _MAX_PRESIGN:
            raise S3Error(
                "AuthorizationQueryParametersError",
                "X-Amz-Expires must be less than a week (in seconds) that is 604800",
                400,
            )
    else:
        raise access_denied()

    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or parts[3] != "s3":
        raise _malformed(
            'the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/'
            'aws4_request".'
        )
    access_key, scope_date, region = parts[0], parts[1], parts[2]
    request_time = _parse_time(amz_date, presigned=presigned)
    if scope_date != amz_date[:8]:
        raise _malformed(
            f'Invalid credential date "{scope_date}". This date is not the same as X-Amz-Date: '
            f'"{amz_date[:8]}".'
        )
    now_utc = now.astimezone(UTC)
    if expires is not None:
        if now_utc > request_time + timedelta(seconds=expires):
            raise S3Error(
                "AccessDenied",
                "Request has expired",
                403,
                {
                    "X-Amz-Expires": str(expires),
                    "Expires": (request_time + timedelta(seconds=expires)).strftime(
                        "%Y-%m-%dT%H:%M:%SZ"
                    ),
                    "ServerTime": now_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
                },
            )
        if request_time > now_utc + _MAX_SKEW:
            raise access_denied("Request is not valid yet")
    elif abs(request_time - now_utc) > _MAX_SKEW:
        raise S3Error(
            "RequestTimeTooSkewed",
            "The difference between the request time and the current time is too large.",
            403,
            {
                "RequestTime": amz_date,
                "ServerTime": now_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "MaxAllowedSkewMilliseconds": "900000",
            },
        )
    found = lookup_secret(access_key)
    if found is None:
        raise S3Error(
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
            403,
            {"AWSAccessKeyId": access_key},
        )
    secret, token = found
    sent_token = headers.get("x-amz-security-token")
    if presigned and sent_token is None:
        for item in raw_query.split("&"):
            name, _, value = item.partition("=")
            if name == "X-Amz-Security-Token":
                sent_token = unquote(value)
    if (token or None) != (sent_token or None):
        raise S3Error("InvalidToken", "The provided token is malformed or otherwise invalid.", 400)

    names = [n.strip().lower() for n in signed.split(";")]
    canonical_headers = "".join(
        f"{n}:{','.join(_trim(v) for v in headers.getall(n, []))}\n" for n in names
    )
    canonical_request = "\n".join(
        (
            method.upper(),
            raw_path or "/",
            canonical_query(query_for_signing),
            canonical_headers,
            ";".join(names),
            payload,
        )
    )
    scope = f"{scope_date}/{region}/s3/aws4_request"
    string_to_sign = (
        f"{ALGORITHM}\n{amz_date}\n{scope}\n"
        f"{hashlib.sha256(canonical_request.encode('utf-8')).hexdigest()}"
    )
    key = _signing_key(secret, scope_date, region, key_cache)
    expected = key.digest(string_to_sign.encode("utf-8")).hex()
    if not hmac.compare_digest(expected, signature):
        raise S3Error(
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. "
            "Check your key and signing method.",
            403,
            {
                "AWSAccessKeyId": access_key,
                "StringToSign": string_to_sign,
                "SignatureProvided": signature,
                "CanonicalRequest": canonical_request,
            },
        )
    return S3Auth(
        access_key=access_key,
        region=region,
        payload=payload,
        key=key,
        amz_date=amz_date,
        scope=scope,
        signature=signature,
        presigned=presigned,
    )


def chunk_string_to_sign(auth: S3Auth, previous: str, chunk_sha256: str) -> str:
    """What a chunk of a ``STREAMING-AWS4-HMAC-SHA256-PAYLOAD`` body signs."""
    return (
        f"AWS4-HMAC-SHA256-PAYLOAD\n{auth.amz_date}\n{auth.scope}\n{previous}\n"
        f"{hashlib.sha256(b'').hexdigest()}\n{chunk_sha256}"
    )


def trailer_string_to_sign(auth: S3Auth, previous: str, trailer: bytes) -> str:
    """What the trailer of a ``STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`` body signs."""
    return (
        f"AWS4-HMAC-SHA256-TRAILER\n{auth.amz_date}\n{auth.scope}\n{previous}\n"
        f"{hashlib.sha256(trailer).hexdigest()}"
    )

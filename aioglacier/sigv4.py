"""AWS Signature Version 4 (header form): a fast signer and a server-side verifier.

The signer produces exactly the ``Authorization`` header botocore's ``SigV4Auth`` produces for
the same request (same canonical request, same choice of signed headers), at a fraction of the
cost: the derived signing key is cached per (secret, date, region, service).

The verifier (:func:`verify_request`) checks a request the way AWS does and raises
:class:`SignatureError` carrying the AWS error code, message and HTTP status.

URLs given to :meth:`SigV4Signer.sign` must be percent-encoded the way they are sent on the wire
(as botocore builds them: path segments and query keys/values encoded with ``-_.~`` unreserved).
The canonical query string is rebuilt from the decoded pairs, so the signature matches what AWS
(and our verifier) compute from the received request whatever the client's escaping of
unreserved characters.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol
from urllib.parse import quote, unquote, urlsplit

__all__ = [
    "EMPTY_SHA256",
    "SIGNED_HEADERS_EXCLUDED",
    "UNSIGNED_PAYLOAD",
    "Credentials",
    "HeaderMultiMapping",
    "HmacSha256",
    "SigV4Signer",
    "SignatureError",
    "VerifiedIdentity",
    "canonical_path",
    "canonical_query",
    "derive_signing_key",
    "verify_request",
]

ALGORITHM = "AWS4-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"

#: Headers botocore never signs (same list as ``botocore.auth.SIGNED_HEADERS_BLACKLIST``).
SIGNED_HEADERS_EXCLUDED = frozenset(
    {
        "baggage",
        "connection",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "traceparent",
        "tracestate",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "user-agent",
        "x-amzn-trace-id",
    }
)
# Headers the signer sets itself; values passed by the caller are replaced.
_SIGNER_OWNED = frozenset({"authorization", "x-amz-date", "x-amz-security-token"})
#: Headers :meth:`SigV4Signer.sign` leaves out of the signature (one set, one lookup per header).
_NOT_SIGNED = SIGNED_HEADERS_EXCLUDED | _SIGNER_OWNED
_QUERY_SAFE = "-_.~"
_PATH_SAFE = "/~"
_SIGNING_KEY_CACHE_MAX = 64
_UNRESERVED_PATH = re.compile(r"[A-Za-z0-9/\-_.~]*")
_AMZ_DATE = re.compile(r"(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z")


@dataclass(frozen=True)
class Credentials:
    """An AWS key pair, optionally with a session token. The repr never shows secrets."""

    access_key: str
    secret_key: str = field(repr=False)
    token: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class VerifiedIdentity:
    """Who signed a request that passed :func:`verify_request`, and for which scope."""

    access_key: str
    region: str
    service: str


class SignatureError(Exception):
    """A request failed authentication; ``code``/``message``/``status`` are what AWS sends."""

    def __init__(self, code: str, message: str, status: int = 403) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


class HeaderMultiMapping(Protocol):
    """The part of a case-insensitive multidict (aiohttp's ``CIMultiDictProxy``) we use."""

    def getall(self, key: str, default: list[str], /) -> list[str]:
        """Every value of header ``key`` (case-insensitive), in order."""
        ...

    def get(self, key: str, /) -> str | None:
        """The first value of header ``key`` (case-insensitive), or None."""
        ...


_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))


class HmacSha256:
    """HMAC-SHA256 with a fixed key, the pads hashed once (RFC 2104 on ``hashlib.sha256``).

    Same results as ``hmac.digest(key, msg, "sha256")``, but built on plain SHA-256 objects:
    OpenSSL 3's HMAC fetches its algorithm under locks and slows down badly when other threads
    hash at the same time (the emulator's I/O threads do), plain SHA-256 does not.
    """

    __slots__ = ("_inner", "_outer", "key")

    def __init__(self, key: bytes) -> None:
        self.key = key
        block = hashlib.sha256(key).digest() if len(key) > 64 else key
        block = block.ljust(64, b"\0")
        self._inner = hashlib.sha256(block.translate(_IPAD))
        self._outer = hashlib.sha256(block.translate(_OPAD))

    def digest(self, msg: bytes) -> bytes:
        """HMAC-SHA256 of ``msg``."""
        inner = self._inner.copy()
        inner.update(msg)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()


def _hmac(key: bytes, msg: str) -> bytes:
    return HmacSha256(key).digest(msg.encode("utf-8"))


def derive_signing_key(secret_key: str, date: str, region: str, service: str) -> bytes:
    """Derive the SigV4 signing key for ``date`` (YYYYMMDD), ``region`` and ``service``."""
    k_date = _hmac(f"AWS4{secret_key}".encode(), date)
    k_region = _hmac(k_date, region)
    k_service = _hmac(k_region, service)
    return _hmac(k_service, "aws4_request")


def _remove_dot_segments(path: str) -> str:
    # RFC 3986 5.2.4 plus collapsing of empty segments, as botocore's normalize_url_path.
    if not path:
        return "/"
    output: list[str] = []
    for segment in path.split("/"):
        if not segment or segment == ".":
            continue
        if segment == "..":
            if output:
                output.pop()
        else:
            output.append(segment)
    first = "/" if path[0] == "/" else ""
    last = "/" if path[-1] == "/" and output else ""
    return first + "/".join(output) + last


def canonical_path(raw_path: str) -> str:
    """The canonical URI of a (percent-encoded, as sent) path: normalized, encoded again."""
    if not raw_path:
        return "/"
    normalized = _remove_dot_segments(raw_path)
    if _UNRESERVED_PATH.fullmatch(normalized):  # fast path: nothing to escape
        return normalized
    return quote(normalized, safe=_PATH_SAFE)


def canonical_query(raw_query: str) -> str:
    """The canonical query string: pairs decoded, re-encoded (RFC 3986), sorted."""
    if not raw_query:
        return ""
    pairs: list[tuple[str, str]] = []
    for item in raw_query.split("&"):
        if not item:
            continue
        key, _, value = item.partition("=")
        pairs.append(
            (
                quote(unquote(key), safe=_QUERY_SAFE),
                quote(unquote(value), safe=_QUERY_SAFE),
            )
        )
    pairs.sort()
    return "&".join(f"{k}={v}" for k, v in pairs)


def _trim(value: str) -> str:
    return " ".join(value.split())


def _amz_date(now: datetime) -> str:
    """``now`` (UTC) as ``YYYYMMDDTHHMMSSZ``: ``strftime(AMZ_DATE_FORMAT)`` without its cost
    (several microseconds a call, a sizeable part of signing a small request)."""
    if now.year < 1000:  # strftime's %Y does not pad these; keep its output exactly
        return now.strftime(AMZ_DATE_FORMAT)
    return f"{now.year}{now.month:02d}{now.day:02d}T{now.hour:02d}{now.minute:02d}{now.second:02d}Z"


def _host_from_url(scheme: str, netloc: str) -> str:
    host = netloc.rpartition("@")[2].lower()
    default = {"http": ":80", "https": ":443"}.get(scheme)
    if default and host.endswith(default):
        host = host[: -len(default)]
    return host


class SigV4Signer:
    """Sign requests for one set of credentials, region and service (header form).

    Cheap per call: the signing key is derived once per UTC day and cached on the instance.

    ``normalize_path`` (the default, every service but S3) signs the path normalized (dot
    segments and empty segments removed) and percent-encoded a second time, as botocore's
    ``SigV4Auth``. S3 signs the path exactly as it is sent (botocore's ``S3SigV4Auth``): pass
    ``normalize_path=False``, or use :meth:`for_s3`.
    """

    __slots__ = (
        "_credentials",
        "_key_cache",
        "_normalize_path",
        "_path_cache",
        "_region",
        "_service",
    )

    def __init__(
        self,
        credentials: Credentials,
        region: str,
        service: str,
        *,
        normalize_path: bool = True,
    ) -> None:
        self._credentials = credentials
        self._region = region
        self._service = service
        self._normalize_path = normalize_path
        self._key_cache: dict[tuple[str, str, str, str], HmacSha256] = {}
        # Canonical form of the paths signed lately (a vault's upload path is the same for
        # every archive); bounded like the key cache.
        self._path_cache: dict[str, str] = {}

    def __repr__(self) -> str:
        return (
            f"SigV4Signer(access_key={self._credentials.access_key!r}, "
            f"region={self._region!r}, service={self._service!r})"
        )

    @classmethod
    def for_s3(cls, credentials: Credentials, region: str) -> SigV4Signer:
        """A signer for S3: service ``s3``, the path signed as sent (no normalization)."""
        return cls(credentials, region, "s3", normalize_path=False)

    @property
    def normalize_path(self) -> bool:
        """Whether the canonical path is normalized and encoded again (False for S3)."""
        return self._normalize_path

    @property
    def credentials(self) -> Credentials:
        """The credentials this signer signs with."""
        return self._credentials

    @property
    def region(self) -> str:
        """The region of the credential scope."""
        return self._region

    @property
    def service(self) -> str:
        """The service of the credential scope."""
        return self._service

    def signing_key(self, date: str) -> bytes:
        """The derived key for ``date`` (YYYYMMDD), cached."""
        return self._signing_hmac(date).key

    def _signing_hmac(self, date: str) -> HmacSha256:
        cache_key = (self._credentials.secret_key, date, self._region, self._service)
        key = self._key_cache.get(cache_key)
        if key is None:
            if len(self._key_cache) >= _SIGNING_KEY_CACHE_MAX:
                self._key_cache.clear()
            key = HmacSha256(derive_signing_key(*cache_key))
            self._key_cache[cache_key] = key
        return key

    def _canonical_path(self, raw_path: str) -> str:
        if not self._normalize_path:
            return raw_path or "/"
        path = self._path_cache.get(raw_path)
        if path is None:
            if len(self._path_cache) >= _SIGNING_KEY_CACHE_MAX:
                self._path_cache.clear()
            path = self._path_cache[raw_path] = canonical_path(raw_path)
        return path

    def sign(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        payload_sha256_hex: str,
        *,
        now: datetime | None = None,
    ) -> dict[str, str]:
        """Return the headers to add to the request: Authorization, X-Amz-Date, and
        X-Amz-Security-Token when the credentials carry a token.

        Every header in ``headers`` is signed except the hop-by-hop ones botocore excludes
        (``user-agent``, ``connection``, ...), plus ``host`` (taken from ``url`` when absent).
        A ``x-amz-content-sha256`` header, when present, is the payload hash (as botocore).
        """
        if now is None:
            now = datetime.now(UTC)
        elif now.tzinfo is not None:
            now = now.astimezone(UTC)
        amz_date = _amz_date(now)
        date = amz_date[:8]
        parts = urlsplit(url)

        # Lower-cased name -> trimmed value(s), joined by commas when names repeat in case.
        signed: dict[str, str] = {}
        for name, value in headers.items():
            lname = name.lower()
            if lname in _NOT_SIGNED:
                continue
            trimmed = " ".join(value.split())
            if lname in signed:
                signed[lname] += "," + trimmed
            else:
                signed[lname] = trimmed
        if "host" not in signed:
            signed["host"] = _host_from_url(parts.scheme, parts.netloc)
        signed["x-amz-date"] = amz_date
        extra = {"X-Amz-Date": amz_date}
        token = self._credentials.token
        if token:
            signed["x-amz-security-token"] = _trim(token)
            extra["X-Amz-Security-Token"] = token
        payload = signed.get("x-amz-content-sha256", payload_sha256_hex)

        names = sorted(signed)
        canonical_headers = "".join([f"{n}:{signed[n]}\n" for n in names])
        signed_headers = ";".join(names)
        canonical_request = "\n".join(
            (
                method.upper(),
                self._canonical_path(parts.path),
                canonical_query(parts.query),
                canonical_headers,
                signed_headers,
                payload,
            )
        )
        scope = f"{date}/{self._region}/{self._service}/aws4_request"
        string_to_sign = (
            f"{ALGORITHM}\n{amz_date}\n{scope}\n"
            f"{hashlib.sha256(canonical_request.encode('utf-8')).hexdigest()}"
        )
        signature = self._signing_hmac(date).digest(string_to_sign.encode("utf-8")).hex()
        extra["Authorization"] = (
            f"{ALGORITHM} Credential={self._credentials.access_key}/{scope}, "
            f"SignedHeaders={signed_headers}, Signature={signature}"
        )
        return extra


def _parse_authorization(value: str) -> tuple[str, list[str], list[str], str]:
    """Split an Authorization header into (access key, scope parts, signed headers, signature)."""
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise SignatureError(
            "IncompleteSignatureException",
            f"Unsupported AWS 'algorithm': '{algorithm}'",
            400,
        )
    fields: dict[str, str] = {}
    for item in rest.split(","):
        key, sep, val = item.strip().partition("=")
        if sep:
            fields[key.strip()] = val.strip()
    missing = [k for k in ("Credential", "SignedHeaders", "Signature") if k not in fields]
    if missing:
        raise SignatureError(
            "IncompleteSignatureException",
            " ".join(f"Authorization header requires '{k}' parameter." for k in missing)
            + f" Authorization={ALGORITHM}",
            400,
        )
    cred = fields["Credential"].split("/")
    if len(cred) != 5 or cred[4] != "aws4_request":
        raise SignatureError(
            "IncompleteSignatureException",
            "Credential must have exactly 5 slash-delimited elements, e.g. "
            "keyid/date/region/service/term, got '" + fields["Credential"] + "'",
            400,
        )
    signed_headers = fields["SignedHeaders"].split(";")
    return cred[0], cred[1:4], signed_headers, fields["Signature"]


def verify_request(
    method: str,
    path_raw: str,
    query: str,
    headers: HeaderMultiMapping,
    payload_sha256_hex: str,
    *,
    lookup_secret: Callable[[str], tuple[str, str | None] | None],
    now: datetime,
    max_skew: timedelta = timedelta(minutes=15),
    region: str | None = None,
    service: str | None = None,
    key_cache: MutableMapping[tuple[str, str, str, str], HmacSha256] | None = None,
) -> VerifiedIdentity:
    """Verify a SigV4 (header form) request; return who signed it or raise SignatureError.

    ``path_raw`` is the path as received (percent-encoded, no query); ``query`` the raw query
    string; ``payload_sha256_hex`` the payload hash the client signed (for Glacier uploads, the
    ``x-amz-content-sha256`` header, which the caller must check against the body).
    ``lookup_secret`` maps an access key to ``(secret, session token or None)``, or None when the
    key is unknown. ``region``/``service``, when given, are the only accepted scope values.
    ``key_cache``, when given, keeps derived signing keys between calls (a server passes one
    dict for its lifetime; keys are per secret, day, region and service).
    """
    authorization = headers.get("authorization")
    if authorization is None:
        raise SignatureError(
            "MissingAuthenticationTokenException", "Missing Authentication Token", 400
        )
    access_key, (scope_date, scope_region, scope_service), signed_names, signature = (
        _parse_authorization(authorization)
    )
    if service is not None and scope_service != service:
        raise SignatureError(
            "InvalidSignatureException",
            f"Credential should be scoped to correct service: '{service}'. ",
        )
    if region is not None and scope_region != region:
        raise SignatureError(
            "InvalidSignatureException",
            f"Credential should be scoped to a valid region, not '{scope_region}'. ",
        )
    lnames = [n.strip().lower() for n in signed_names]
    if "host" not in lnames:
        raise SignatureError(
            "InvalidSignatureException",
            "'Host' must be a 'SignedHeader' in the AWS Authorization.",
        )
    amz_date = headers.get("x-amz-date")
    if amz_date is None:
        raise SignatureError(
            "IncompleteSignatureException",
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
            f" Authorization={ALGORITHM}",
            400,
        )
    if "x-amz-date" not in lnames:
        raise SignatureError(
            "InvalidSignatureException",
            "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.",
        )
    match = _AMZ_DATE.fullmatch(amz_date)
    try:
        if match is None:
            raise ValueError(amz_date)
        year, month, day, hour, minute, second = (int(g) for g in match.groups())
        request_time = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        raise SignatureError(
            "IncompleteSignatureException",
            f"Date must be in ISO-8601 'basic format'. Got '{amz_date}'. "
            "See http://en.wikipedia.org/wiki/ISO_8601",
            400,
        ) from None
    if scope_date != amz_date[:8]:
        raise SignatureError(
            "InvalidSignatureException",
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
            f"from HTTP: '{scope_date}' != '{amz_date[:8]}', from '{amz_date}'.",
        )
    now_utc = now.astimezone(UTC) if now.tzinfo is not None else now.replace(tzinfo=UTC)
    if request_time < now_utc - max_skew:
        raise SignatureError(
            "InvalidSignatureException",
            f"Signature expired: {amz_date} is now earlier than "
            f"{(now_utc - max_skew).strftime(AMZ_DATE_FORMAT)} "
            f"({now_utc.strftime(AMZ_DATE_FORMAT)} - {_minutes(max_skew)} min.)",
        )
    if request_time > now_utc + max_skew:
        raise SignatureError(
            "InvalidSignatureException",
            f"Signature not yet current: {amz_date} is still later than "
            f"{(now_utc + max_skew).strftime(AMZ_DATE_FORMAT)} "
            f"({now_utc.strftime(AMZ_DATE_FORMAT)} + {_minutes(max_skew)} min.)",
        )
    found = lookup_secret(access_key)
    if found is None:
        raise SignatureError(
            "UnrecognizedClientException", "The security token included in the request is invalid."
        )
    secret, expected_token = found
    sent_token = headers.get("x-amz-security-token")
    if (expected_token or None) != (sent_token or None) or (
        sent_token is not None and "x-amz-security-token" not in lnames
    ):
        raise SignatureError(
            "UnrecognizedClientException", "The security token included in the request is invalid."
        )

    canonical_headers = "".join(
        [f"{n}:{','.join([_trim(v) for v in headers.getall(n, [])])}\n" for n in lnames]
    )
    canonical_request = "\n".join(
        (
            method.upper(),
            canonical_path(path_raw),
            canonical_query(query),
            canonical_headers,
            ";".join(lnames),
            payload_sha256_hex,
        )
    )
    scope = f"{scope_date}/{scope_region}/{scope_service}/aws4_request"
    string_to_sign = (
        f"{ALGORITHM}\n{amz_date}\n{scope}\n"
        f"{hashlib.sha256(canonical_request.encode('utf-8')).hexdigest()}"
    )
    cache_key = (secret, scope_date, scope_region, scope_service)
    key = key_cache.get(cache_key) if key_cache is not None else None
    if key is None:
        key = HmacSha256(derive_signing_key(*cache_key))
        if key_cache is not None:
            if len(key_cache) >= _SIGNING_KEY_CACHE_MAX:
                key_cache.clear()
            key_cache[cache_key] = key
    expected = key.digest(string_to_sign.encode("utf-8")).hex()
    if not hmac.compare_digest(expected, signature):
        raise SignatureError(
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. "
            "Consult the service documentation for details.",
        )
    return VerifiedIdentity(access_key=access_key, region=scope_region, service=scope_service)


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)

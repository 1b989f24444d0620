"""S3 errors as AWS sends them: an XML ``<Error>`` document with a status."""

from __future__ import annotations

from collections.abc import Mapping

from aioglacier.emulator.s3.xml import element

__all__ = [
    "S3Error",
    "access_denied",
    "invalid_argument",
    "invalid_request",
    "malformed_xml",
    "no_such_bucket",
    "no_such_key",
    "no_such_upload",
    "not_implemented",
]


class S3Error(Exception):
    """An S3 error response: ``code``, ``message``, HTTP ``status``, extra ``fields`` (elements
    of the error document after ``Message``, such as ``BucketName`` or ``Key``) and ``headers``
    (sent with the response, for example ``x-amz-delete-marker``)."""

    def __init__(
        self,
        code: str,
        message: str,
        status: int,
        fields: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{code} ({status}): {message}")
        self.code = code
        self.message = message
        self.status = status
        self.fields = dict(fields or {})
        self.headers = dict(headers or {})

    def document(self, resource: str, request_id: str, host_id: str) -> bytes:
        """The XML error document."""
        extra = "".join(element(name, value) for name, value in self.fields.items())
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error>'
            f"{element('Code', self.code)}{element('Message', self.message)}{extra}"
            f"{element('Resource', resource)}{element('RequestId', request_id)}"
            f"{element('HostId', host_id)}</Error>"
        ).encode()


def access_denied(message: str = "Access Denied") -> S3Error:
    """``AccessDenied`` (403)."""
    return S3Error("AccessDenied", message, 403)


def invalid_argument(message: str, name: str | None = None, value: str | None = None) -> S3Error:
    """``InvalidArgument`` (400), naming the argument when given."""
    fields = {}
    if name is not None:
        fields["ArgumentName"] = name
        fields["ArgumentValue"] = value if value is not None else ""
    return S3Error("InvalidArgument", message, 400, fields)


def invalid_request(message: str) -> S3Error:
    """``InvalidRequest`` (400)."""
    return S3Error("InvalidRequest", message, 400)


def malformed_xml() -> S3Error:
    """``MalformedXML`` (400)."""
    return S3Error(
        "MalformedXML",
        "The XML you provided was not well-formed or did not validate against our published schema",
        400,
    )


def no_such_bucket(bucket: str) -> S3Error:
    """``NoSuchBucket`` (404)."""
    return S3Error(
        "NoSuchBucket", "The specified bucket does not exist", 404, {"BucketName": bucket}
    )


def no_such_key(key: str, headers: Mapping[str, str] | None = None) -> S3Error:
    """``NoSuchKey`` (404)."""
    return S3Error("NoSuchKey", "The specified key does not exist.", 404, {"Key": key}, headers)


def no_such_upload(upload_id: str) -> S3Error:
    """``NoSuchUpload`` (404)."""
    return S3Error(
        "NoSuchUpload",
        "The specified upload does not exist. The upload ID may be invalid, or the upload may "
        "have been aborted or completed.",
        404,
        {"UploadId": upload_id},
    )


def not_implemented(message: str | None = None) -> S3Error:
    """``NotImplemented`` (501)."""
    return S3Error(
        "NotImplemented",
        message or "A header you provided implies functionality that is not implemented",
        501,
    )

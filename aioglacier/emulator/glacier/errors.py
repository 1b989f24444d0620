"""Glacier errors as AWS sends them: JSON ``{"code", "message", "type"}`` with a status."""

from __future__ import annotations

__all__ = [
    "GlacierError",
    "access_denied",
    "invalid_parameter",
    "missing_parameter",
    "not_found",
]


class GlacierError(Exception):
    """An error response: ``code`` (AWS error code), ``message``, HTTP ``status`` and ``type``.

    ``type`` is ``"Client"`` for 4xx statuses and ``"Server"`` for 5xx, as in AWS's table of
    Glacier error responses.
    """

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(f"{code} ({status}): {message}")
        self.code = code
        self.message = message
        self.status = status

    @property
    def type(self) -> str:
        """``Client`` or ``Server``."""
        return "Server" if self.status >= 500 else "Client"

    def body(self) -> dict[str, str]:
        """The JSON error document."""
        return {"code": self.code, "message": self.message, "type": self.type}


def invalid_parameter(message: str) -> GlacierError:
    """``InvalidParameterValueException`` (400)."""
    return GlacierError("InvalidParameterValueException", message, 400)


def missing_parameter(message: str) -> GlacierError:
    """``MissingParameterValueException`` (400)."""
    return GlacierError("MissingParameterValueException", message, 400)


def not_found(message: str) -> GlacierError:
    """``ResourceNotFoundException`` (404)."""
    return GlacierError("ResourceNotFoundException", message, 404)


def access_denied(message: str) -> GlacierError:
    """``AccessDeniedException`` (403)."""
    return GlacierError("AccessDeniedException", message, 403)

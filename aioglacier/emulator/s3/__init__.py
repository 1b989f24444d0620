"""The emulator's S3 endpoint: the S3 REST API subset of the S3 backend, served on the vault
API's port (a request goes to S3 when its SigV4 credential scope names ``s3``), stored in the
same data directory. See ``docs/emulator.md``."""

from aioglacier.emulator.s3.service import S3Service
from aioglacier.emulator.s3.store import S3Store

__all__ = ["S3Service", "S3Store"]

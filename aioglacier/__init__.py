"""aioglacier: asyncio transfer engine, CLI and library for Amazon Glacier and S3 archival classes."""

__version__ = "0.1.0"

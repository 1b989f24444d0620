"""Opt-in tests against real Amazon Glacier. They run only when credentials are given:

    AIOGLACIER_AWS_TEST_KEY, AIOGLACIER_AWS_TEST_SECRET   (required)
    AIOGLACIER_AWS_TEST_REGION                            (default us-east-1)
    AIOGLACIER_AWS_TEST_VAULT                             (default aioglacier-test)

They create the vault if needed, upload two small archives and a 3 MiB multipart one, and purge
what they uploaded. Retrievals take hours on AWS and are not tested here.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aioglacier import Client, ClientSettings, Credentials
from aioglacier.journal import read_journal

KEY = os.environ.get("AIOGLACIER_AWS_TEST_KEY")
SECRET = os.environ.get("AIOGLACIER_AWS_TEST_SECRET")

pytestmark = [
    pytest.mark.aws,
    pytest.mark.skipif(
        not (KEY and SECRET),
        reason="real AWS tests need AIOGLACIER_AWS_TEST_KEY and AIOGLACIER_AWS_TEST_SECRET",
    ),
]


async def test_sync_and_purge_on_real_glacier(tmp_path: Path) -> None:
    assert KEY
    assert SECRET
    region = os.environ.get("AIOGLACIER_AWS_TEST_REGION", "us-east-1")
    vault = os.environ.get("AIOGLACIER_AWS_TEST_VAULT", "aioglacier-test")
    base = tmp_path / "data"
    (base / "sub").mkdir(parents=True)
    (base / "a.txt").write_bytes(b"aioglacier real AWS test")
    (base / "sub" / "b.bin").write_bytes(os.urandom(1000))
    (base / "big.bin").write_bytes(os.urandom(3 * 1024 * 1024 + 1))
    journal = tmp_path / "journal"
    settings = ClientSettings(
        region=region, credentials=Credentials(KEY, SECRET), part_size=1024 * 1024
    )
    async with Client(settings) as client:
        await client.create_vault(vault)
        result = await client.sync(base, vault, journal)
        assert result.ok, result.failed
        assert len(result.uploaded) == 3
        assert len(read_journal(journal).files) == 3
        purged = await client.purge_vault(vault, journal)
        assert purged.ok, purged.failed
        assert len(purged.done) == 3

"""A local Amazon Glacier vault-API emulator (aiohttp), for tests, benchmarks and offline use;
the same port serves the S3 subset of the S3 backend (:mod:`aioglacier.emulator.s3`).

In process::

    async with Emulator(data_dir) as emulator:
        ...  # emulator.url, emulator.credentials, emulator.advance_clock(), emulator.archives()

As a program: ``python -m aioglacier.emulator --data-dir D [--port P]`` (or ``aioglacier
emulator``). See :class:`Emulator` and :mod:`aioglacier.emulator.faults` for fault injection.
"""

from aioglacier.emulator.clock import AdvanceableClock, Clock, ManualClock, OffsetClock
from aioglacier.emulator.faults import (
    FAULT_KINDS,
    OPERATIONS,
    S3_OPERATIONS,
    FaultInjector,
    FaultPlan,
    FaultRule,
    parse_fault_spec,
)
from aioglacier.emulator.glacier.errors import GlacierError
from aioglacier.emulator.glacier.models import StoredArchive
from aioglacier.emulator.s3.models import StoredObject
from aioglacier.emulator.server import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_CREDENTIALS,
    Emulator,
    run_emulator_forever,
)

__all__ = [
    "DEFAULT_ACCOUNT_ID",
    "DEFAULT_CREDENTIALS",
    "FAULT_KINDS",
    "OPERATIONS",
    "S3_OPERATIONS",
    "AdvanceableClock",
    "Clock",
    "Emulator",
    "FaultInjector",
    "FaultPlan",
    "FaultRule",
    "GlacierError",
    "ManualClock",
    "OffsetClock",
    "StoredArchive",
    "StoredObject",
    "parse_fault_spec",
    "run_emulator_forever",
]

"""The emulator's Glacier vault API: its routes and handlers (:mod:`.service`), its tables and
files (:mod:`.store`), records (:mod:`.models`) and error documents (:mod:`.errors`)."""

from aioglacier.emulator.glacier.service import GlacierService
from aioglacier.emulator.glacier.store import GlacierStore

__all__ = ["GlacierService", "GlacierStore"]

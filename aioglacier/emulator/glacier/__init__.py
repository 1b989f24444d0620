"""The emulator's Glacier vault API: admission and the handler table (:mod:`.service`), the
wire (:mod:`.protocol`: routes, checks, JSON answers), the handlers by concern
(:mod:`.vaults`: vaults and archives, :mod:`.multipart`, :mod:`.jobs`), the tables and files
(:mod:`.store`), records (:mod:`.models`) and error documents (:mod:`.errors`)."""

from aioglacier.emulator.glacier.service import GlacierService
from aioglacier.emulator.glacier.store import GlacierStore

__all__ = ["GlacierService", "GlacierStore"]

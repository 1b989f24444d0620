"""The engine: what a command does with a :class:`~aioglacier.backends.base.Backend`.

One module per concern: :mod:`.run` (a command's run: journal, resume store, budget,
progress, results), :mod:`.upload` (one object up: single request or the multipart driver),
:mod:`.download` (one object down, verified), :mod:`.commit` (group commit of restored files),
:mod:`.sync` (sync and upload-file fan-out), :mod:`.restore` (warm-ups and waiting),
:mod:`.purge`, :mod:`.strays` (stray multipart uploads). Exports load lazily (the submodules
import each other and :mod:`aioglacier.orphans`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aioglacier.engine.sync import FileResult, SyncResult, run_sync, upload_one_file

__all__ = ["FileResult", "SyncResult", "run_sync", "upload_one_file"]

_EXPORTS = dict.fromkeys(__all__, "aioglacier.engine.sync")


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'aioglacier.engine' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)

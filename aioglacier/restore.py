"""Former home of the restore side, now split (re-exported here): warm-ups and waiting
(:mod:`aioglacier.engine.restore`), verified downloads (:mod:`aioglacier.engine.download`),
group commit (:mod:`aioglacier.engine.commit`), purge (:mod:`aioglacier.engine.purge`),
results (:mod:`aioglacier.engine.run`), vault inventories
(:mod:`aioglacier.backends.glacier.inventory`)."""

from aioglacier.backends.base import Tier
from aioglacier.backends.glacier.inventory import (
    download_inventory,
    list_all_jobs,
    newest_inventory,
    retrieve_inventory,
)
from aioglacier.engine.download import DEFAULT_SEGMENT_SIZE
from aioglacier.engine.purge import purge_vault
from aioglacier.engine.restore import (
    RETRIEVE_JOB_WINDOW,
    TIERS,
    _missing_target,
    _NameRules,
    restore_completed,
    start_restore,
)
from aioglacier.engine.run import OperationResult, Outcome

__all__ = [
    "DEFAULT_SEGMENT_SIZE",
    "RETRIEVE_JOB_WINDOW",
    "TIERS",
    "OperationResult",
    "Outcome",
    "Tier",
    "_NameRules",
    "_missing_target",
    "download_inventory",
    "list_all_jobs",
    "newest_inventory",
    "purge_vault",
    "restore_completed",
    "retrieve_inventory",
    "start_restore",
]

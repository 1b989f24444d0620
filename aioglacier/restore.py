"""Former home of the restore side, now split by concern (re-exported here): warm-ups and
waiting (:mod:`aioglacier.engine.restore`), verified downloads
(:mod:`aioglacier.engine.download`), group commit (:mod:`aioglacier.engine.commit`), purge
(:mod:`aioglacier.engine.purge`), results (:mod:`aioglacier.engine.run`), vault inventories
(:mod:`aioglacier.backends.glacier.inventory`)."""

from aioglacier.backends.base import Tier  # noqa: F401
from aioglacier.backends.glacier.inventory import *  # noqa: F403
from aioglacier.engine.download import DEFAULT_SEGMENT_SIZE  # noqa: F401
from aioglacier.engine.purge import *  # noqa: F403
from aioglacier.engine.restore import *  # noqa: F403
from aioglacier.engine.restore import _missing_target, _NameRules  # noqa: F401
from aioglacier.engine.run import OperationResult, Outcome  # noqa: F401

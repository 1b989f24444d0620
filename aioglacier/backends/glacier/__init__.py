"""The Glacier vault backend: the REST API client (:mod:`.api`, re-exported here), the vault
as a :class:`~aioglacier.backends.base.Backend` (:mod:`.backend`), inventory jobs
(:mod:`.inventory`)."""

from aioglacier.backends.glacier.api import *  # noqa: F403
from aioglacier.backends.glacier.api import __all__ as __all__

"""Former home of one object's upload: :mod:`aioglacier.engine.upload` (re-exported)."""

from aioglacier.engine.upload import *  # noqa: F403

"""Lazy exports of a package (PEP 562): a name is imported from its module on first use.

A package's ``__getattr__`` hands :func:`load_export` its name, its table of exports (name to
module) and its ``globals()``; the value is then kept there, so the next use finds it directly.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

__all__ = ["load_export"]


def load_export(
    package: str, exports: Mapping[str, str], namespace: dict[str, Any], name: str
) -> Any:
    """The export ``name`` of ``package``, imported from its module and kept in ``namespace``.

    Raises :class:`AttributeError` (as a missing module attribute does) for a name that
    ``exports`` does not list.
    """
    module = exports.get(name)
    if module is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    namespace[name] = value
    return value

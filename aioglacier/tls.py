"""TLS set-up only for https: aiohttp's import-time TLS contexts, loaded on first use.

When ``aiohttp.connector`` is imported it builds two TLS contexts (one verifying, one not), and
each loads the system's CA bundle: about 20 ms of CPU apiece, paid by every command that imports
aiohttp, even one that only talks plain HTTP to a local emulator or a proxy. :func:`install`
(called by the CLI at its start; the library never calls it) makes that import build the same
two contexts without loading the bundle, and load it on the first TLS connection instead:

* while ``aiohttp.connector`` runs its module code, ``SSLContext.set_default_verify_paths``
  records the context instead of loading the bundle (that is the only call that loads it, from
  :func:`ssl.create_default_context` and from aiohttp's unverified context alike);
* each context so recorded gets its own ``wrap_bio`` and ``wrap_socket`` (what asyncio, uvloop
  and the ssl module call to start a TLS connection) that first load the bundle exactly as the
  deferred call would have (once, under a lock), then drop themselves and wrap as usual.

So a TLS connection sees the context it would have seen (same options, same verification, same
CA store), and a run that never opens one never loads the bundle. Only the import of
``aiohttp.connector`` is affected, and only when it happens after :func:`install`: anything
imported before is untouched.
"""

from __future__ import annotations

import importlib.machinery
import sys
import threading
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # ssl is imported with aiohttp, not before
    import ssl

__all__ = ["deferred_contexts", "install"]

_TARGET = "aiohttp.connector"
_deferred: list[ssl.SSLContext] = []


def deferred_contexts() -> list[ssl.SSLContext]:
    """The contexts whose CA bundle is still to load (for tests and diagnostics)."""
    return [c for c in _deferred if "wrap_bio" in vars(c)]


def _defer_on_first_use(context: ssl.SSLContext) -> None:
    import ssl

    lock = threading.Lock()

    def load() -> None:
        with lock:
            if "wrap_bio" in vars(context):
                ssl.SSLContext.set_default_verify_paths(context)
                del context.wrap_bio
                del context.wrap_socket

    def wrap_bio(*args: Any, **kwargs: Any) -> ssl.SSLObject:
        load()
        return context.wrap_bio(*args, **kwargs)

    def wrap_socket(*args: Any, **kwargs: Any) -> ssl.SSLSocket:
        load()
        return context.wrap_socket(*args, **kwargs)

    context.wrap_bio = wrap_bio  # type: ignore[method-assign]
    context.wrap_socket = wrap_socket  # type: ignore[method-assign]
    _deferred.append(context)


class _DeferringLoader:
    """Runs ``aiohttp.connector``'s module code with the CA bundle loads recorded."""

    def __init__(self, loader: Any) -> None:
        self._loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        module: ModuleType | None = self._loader.create_module(spec)
        return module

    def exec_module(self, module: ModuleType) -> None:
        import ssl

        recorded: list[ssl.SSLContext] = []

        def record(context: ssl.SSLContext) -> None:
            recorded.append(context)

        if "set_default_verify_paths" in vars(ssl.SSLContext):  # pragma: no cover - patched
            self._loader.exec_module(module)
            return
        ssl.SSLContext.set_default_verify_paths = record  # type: ignore[method-assign,assignment]
        try:
            self._loader.exec_module(module)
        finally:
            del ssl.SSLContext.set_default_verify_paths
            for context in recorded:
                _defer_on_first_use(context)


class _Finder:
    """A meta path finder for ``aiohttp.connector`` alone; it removes itself once used."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != _TARGET:
            return None
        _remove()
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is not None and spec.loader is not None:
            spec.loader = _DeferringLoader(spec.loader)  # type: ignore[assignment]
        return spec


_FINDER = _Finder()


def _remove() -> None:
    while _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)


def install() -> bool:
    """Defer the CA bundle loads of a coming ``import aiohttp`` to the first TLS connection.

    Returns False (and does nothing) when ``aiohttp.connector`` is already imported.
    """
    if _TARGET in sys.modules:
        return False
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
    return True

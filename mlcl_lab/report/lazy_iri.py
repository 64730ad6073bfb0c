"""Import nbformat and papermill without building an IRI grammar nobody uses (issue 13).

``import jsonschema`` (imported by nbformat, hence by papermill, nbconvert and this
package's report code) defines its optional format checkers at import. When the package
``rfc3987-syntax`` is installed (jupyter-events, i.e. JupyterLab, asks for
``jsonschema[format-nongpl]``), the "iri" checker imports it, and that import compiles a
Lark grammar: 2.8 s of the 3.6 s that ``import papermill`` takes on this project's
machines, paid by every papermill process (one per kernel of a grid) and by the
``mlcl-lab`` command itself. Neither nbformat nor papermill ever checks an "iri": the
notebook schemas have no ``format`` keyword and nbformat validates without a format
checker.

:func:`defer_iri_grammar` puts a stand-in module under that name before jsonschema is
imported. The stand-in's ``is_valid_syntax`` (the one name jsonschema imports) and any
other attribute import the real package on first use and forward to it, so an "iri"
check anyone does later gives the real answer; only the grammar's compile time moves
from import to first use. ``MLCL_LAB_DEFER_IRI=0`` switches it off.
``benchmarks/bench_papermill_start.py`` measures the difference.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import types
from typing import Any

__all__ = ["IRI_MODULE", "SWITCH_ENV", "defer_iri_grammar", "is_deferred"]

#: The module whose import compiles the grammar.
IRI_MODULE = "rfc3987_syntax"
#: ``0`` turns the deferral off.
SWITCH_ENV = "MLCL_LAB_DEFER_IRI"

_real: types.ModuleType | None = None


def _load_real() -> types.ModuleType:
    """The real package, imported once (the stand-in leaves ``sys.modules`` for it)."""
    global _real
    if _real is None:
        if is_deferred():
            del sys.modules[IRI_MODULE]
        _real = importlib.import_module(IRI_MODULE)
    return _real


def _is_valid_syntax(*args: Any, **kwargs: Any) -> Any:
    return _load_real().is_valid_syntax(*args, **kwargs)


def _getattr(name: str) -> Any:
    if name.startswith("__"):  # import machinery probing the stand-in (__spec__, __file__, ...)
        raise AttributeError(name)
    return getattr(_load_real(), name)


class _SubmoduleFinder(importlib.abc.MetaPathFinder):
    """``import rfc3987_syntax.<sub>`` while the stand-in is there: the real package is
    imported first and the submodule found in it."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if not fullname.startswith(IRI_MODULE + ".") or not is_deferred():
            return None
        _load_real()
        return importlib.util.find_spec(fullname)


_FINDER = _SubmoduleFinder()


def is_deferred() -> bool:
    """Whether ``sys.modules`` holds the stand-in (the real package not imported yet)."""
    return getattr(sys.modules.get(IRI_MODULE), "_mlcl_lab_stand_in", False)


def defer_iri_grammar() -> bool:
    """Put the stand-in in place; True if it did. Nothing is done (False) when the switch
    is off, when jsonschema or the real package is already imported, or when the package
    is not installed (then jsonschema has no "iri" checker either way)."""
    if os.environ.get(SWITCH_ENV, "1") == "0":
        return False
    if IRI_MODULE in sys.modules or "jsonschema" in sys.modules:
        return False
    if importlib.util.find_spec(IRI_MODULE) is None:
        return False
    stand_in = types.ModuleType(IRI_MODULE, "Stand-in for rfc3987_syntax (mlcl_lab.report.lazy_iri): "
                                            "imports the real package on first use.")
    stand_in._mlcl_lab_stand_in = True  # type: ignore[attr-defined]
    stand_in.is_valid_syntax = _is_valid_syntax  # type: ignore[attr-defined]
    stand_in.__getattr__ = _getattr  # type: ignore[attr-defined]  (PEP 562: any other name)
    stand_in.__path__ = []  # a package to the import system; its submodules: _SubmoduleFinder
    sys.modules[IRI_MODULE] = stand_in
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
    return True

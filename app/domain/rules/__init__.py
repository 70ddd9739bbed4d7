"""The rule kinds: one module per kind in this package, found by looking, never listed.

A module here that defines a subclass of `RuleKind` (app/domain/rules/base.py) with a `kind` code
adds that kind: schemes may name it, the engine compiles it, the analytics ask it for gaps and
moves. Nothing else in the code names a kind. See README, "How to add a rule kind".
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Mapping
from functools import cache
from types import MappingProxyType

from app.domain.rules.base import RuleKind

#: modules of this package that are not kinds
_NOT_KINDS = frozenset({"base"})


@cache
def rule_kinds() -> Mapping[str, type[RuleKind]]:
    """Every rule kind of the package by its code, found once per process."""
    found: dict[str, type[RuleKind]] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name in _NOT_KINDS or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(cls, RuleKind)
                and cls.__module__ == module.__name__
                and not inspect.isabstract(cls)
            ):
                if cls.kind in found:
                    raise RuntimeError(
                        f"rule kind {cls.kind!r} is defined twice: {found[cls.kind].__module__}, {module.__name__}"
                    )
                found[cls.kind] = cls
    return MappingProxyType(dict(sorted(found.items())))


__all__ = ["RuleKind", "rule_kinds"]

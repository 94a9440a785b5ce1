"""Filling an output Struct from a row or an object: each field copied by its name, unless the caller gives it.

Must not touch: what a field means or how it is computed: a caller passes every field that is not a plain copy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec

S = TypeVar("S", bound=msgspec.Struct)


def struct_from(cls: type[S], source: Mapping[str, Any] | object, **values: Any) -> S:
    """``cls`` with each field from ``values`` if given there, else from ``source`` (a row's key or an attribute)."""
    if isinstance(source, Mapping):
        copied = {name: source[name] for name in cls.__struct_fields__ if name not in values}
    else:
        copied = {name: getattr(source, name) for name in cls.__struct_fields__ if name not in values}
    return cls(**copied, **values)

"""Which build of the per-event core is installed: the modules setup.py compiles with mypyc
(`SENTINEL_COMPILE=1`), or the same modules interpreted. Shown by `sentinel --version` and
the `core` label of `sentinel_build_info`."""

from __future__ import annotations

import importlib.machinery
import importlib.util
from functools import cache
from typing import Literal

Core = Literal["compiled", "interpreted"]


@cache
def core() -> Core:
    """`compiled` when the pipeline module loads from a native extension (found, not
    imported: this module imports nothing of sentinel's)."""
    spec = importlib.util.find_spec("sentinel.pipeline")
    origin = spec.origin if spec is not None else None
    native = origin is not None and origin.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))
    return "compiled" if native else "interpreted"

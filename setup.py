"""Optional native build of the per-event core.

`pip install .` builds the plain Python package. With `SENTINEL_COMPILE=1` (and mypy, a C
compiler and the runtime dependencies in the build environment: `scripts/build-compiled.sh`
does it), the modules every consumed event passes through are compiled with mypyc from the
same typed sources: same behaviour, about two thirds of the CPU per event
(docs/benchmarks.md, "The compiled core"). Every other module stays interpreted.
"""

from __future__ import annotations

import os

from setuptools import setup

# The per-event path: decode → admission → join → accounting → observers. Modules that
# define msgspec structs (`values`, `events.*`, `records`) stay interpreted: a class compiled
# by mypyc loses the struct's options (frozen, gc, omit_defaults), and with them the
# records' exact bytes (scripts/build-compiled.sh refuses such a module).
COMPILED = [
    "sentinel/admission.py",
    "sentinel/correlate.py",
    "sentinel/events/decode.py",
    "sentinel/guard/spend.py",
    "sentinel/monitor.py",
    "sentinel/observers.py",
    "sentinel/pipeline.py",
    "sentinel/state/partition.py",
    "sentinel/telemetry/exchange_series.py",
    "sentinel/telemetry/metrics.py",
    "sentinel/track/account.py",
    "sentinel/track/cost.py",
    "sentinel/track/labels.py",
    "sentinel/track/live.py",
    "sentinel/track/quantiles.py",
    "sentinel/track/run.py",
    "sentinel/track/spend.py",
    "sentinel/track/timeline.py",
    "sentinel/track/totals.py",
    "sentinel/track/windowed_rate.py",
]


def _extensions() -> list[object]:
    if os.environ.get("SENTINEL_COMPILE") != "1":
        return []
    try:
        from mypyc.build import mypycify
    except ImportError as exc:
        raise SystemExit(
            "SENTINEL_COMPILE=1 builds with mypyc: install sentinel's dev extra first and build "
            "without isolation (pip install --no-build-isolation --no-deps .), or run "
            "scripts/build-compiled.sh"
        ) from exc

    return list(mypycify(COMPILED, opt_level="3"))


setup(ext_modules=_extensions())

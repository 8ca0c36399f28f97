"""Optional native build of the per-event core.

`pip install .` builds the plain Python package. With `SENTINEL_COMPILE=1` (and mypy, a C
compiler and the runtime dependencies in the build environment: `scripts/build-compiled.sh`
does it), the modules every consumed event passes through, the filter chain included, are
compiled with mypyc from the same typed sources: same outputs, about two thirds of the CPU
per event (docs/benchmarks.md, "The compiled core"). Every other module (CLI, rules, wiring,
outputs, alerting, dashboards) stays interpreted.
"""

from __future__ import annotations

import os

from setuptools import setup

# The per-event path: decode → admission → join → accounting → filters → observers. Modules
# that define msgspec structs (`values`, `events.*`, `records`) stay interpreted: a class
# compiled by mypyc loses the struct's options (frozen, gc, omit_defaults), and with them
# the records' exact bytes (scripts/build-compiled.sh refuses such a module); so do the
# rules' pydantic models (`*/config.py`) and the content catalogue, read once at start.
COMPILED = [
    "sentinel/admission.py",
    "sentinel/correlate.py",
    "sentinel/events/decode.py",
    "sentinel/filters/base.py",
    "sentinel/filters/cache.py",
    "sentinel/filters/chain.py",
    "sentinel/filters/content/classifier.py",
    "sentinel/filters/content/decode.py",
    "sentinel/filters/content/detectors.py",
    "sentinel/filters/content/engine.py",
    "sentinel/filters/content/filter.py",
    "sentinel/filters/content/followed.py",
    "sentinel/filters/content/injection.py",
    "sentinel/filters/content/matcher.py",
    "sentinel/filters/content/normalize.py",
    "sentinel/filters/content/offsets.py",
    "sentinel/filters/content/patterns.py",
    "sentinel/filters/content/structure.py",
    "sentinel/filters/hallucination/citations.py",
    "sentinel/filters/hallucination/claims.py",
    "sentinel/filters/hallucination/filter.py",
    "sentinel/filters/hallucination/groundedness.py",
    "sentinel/filters/hallucination/grounding.py",
    "sentinel/filters/hallucination/lru.py",
    "sentinel/filters/hallucination/numbers.py",
    "sentinel/filters/hallucination/support.py",
    "sentinel/filters/hallucination/tools.py",
    "sentinel/filters/pii/contextual.py",
    "sentinel/filters/pii/engine.py",
    "sentinel/filters/pii/fast.py",
    "sentinel/filters/pii/filter.py",
    "sentinel/filters/pii/gates.py",
    "sentinel/filters/pii/leaks.py",
    "sentinel/filters/pii/nlp.py",
    "sentinel/filters/pii/overlaps.py",
    "sentinel/filters/pii/phone.py",
    "sentinel/filters/pii/plausible.py",
    "sentinel/filters/pii/recognizers.py",
    "sentinel/filters/pii/screen.py",
    "sentinel/filters/pii/shapes.py",
    "sentinel/filters/redact.py",
    "sentinel/filters/registry.py",
    "sentinel/filters/spans.py",
    "sentinel/filters/texts.py",
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

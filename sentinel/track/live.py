"""Live trackers: trailing spend per service and windowed latency sketches per model.

An observer of the exchange path; the metrics observer reads them once per batch (gauges
that summarise state), never per exchange.
"""

from __future__ import annotations

from sentinel.observers import Observer
from sentinel.track.quantiles import WindowedSketch
from sentinel.track.spend import SpendTracker
from sentinel.values import Accounted, Verdict

LATENCY_WINDOW_SECONDS = 300.0  # in-process p50/p95/p99 gauge window


class LiveTrackers(Observer):
    """Spend and token burn per service; latency over the last minutes per model."""

    def __init__(self) -> None:
        self.spend: dict[str, SpendTracker] = {}
        self.latency_windows: dict[str, WindowedSketch] = {}

    def exchange(self, item: Accounted, verdict: Verdict) -> None:
        labels, event_time = item.labels, item.event_time
        spend = self.spend.get(labels.service)
        if spend is None:
            spend = self.spend[labels.service] = SpendTracker()
        spend.add(item.cost.total, item.tokens.input + item.tokens.output, event_time)
        latency = item.latency_ms
        if latency is not None:
            window = self.latency_windows.get(labels.model)
            if window is None:
                window = self.latency_windows[labels.model] = WindowedSketch()
            window.add(latency, event_time)

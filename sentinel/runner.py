"""The consume loop, written as the at-least-once ordering:

    poll → process every record → flush outputs (accepted) → commit offsets.

A failed flush raises before the commit, so the batch is redelivered after a restart.
A stop request (SIGTERM) is honoured between batches: the batch in flight finishes,
its outputs are flushed and its offsets committed, then the source closes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import structlog

from sentinel.health import Health
from sentinel.io.records import Sink, Source
from sentinel.pipeline import Pipeline

log = structlog.get_logger("sentinel.runner")


class Runner:
    def __init__(
        self,
        source: Source,
        pipeline: Pipeline,
        sink: Sink,
        health: Health,
        max_records: int = 1000,
        poll_timeout_seconds: float = 0.5,
        lag: Callable[[], dict[tuple[str, int], int]] | None = None,
        assigned: Callable[[], bool] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source = source
        self.pipeline = pipeline
        self.sink = sink
        self.health = health
        self.max_records = max_records
        self.poll_timeout_seconds = poll_timeout_seconds
        self._lag = lag
        self._assigned = assigned  # readiness: the consumer holds partitions
        self._clock = clock

    def run(self, stop: threading.Event) -> None:
        """Loop until `stop` is set or a finite source is exhausted."""
        recorder = self.pipeline.recorder
        last_poll = self._clock()
        last_lag = 0.0
        try:
            while not stop.is_set():
                batch = self.source.poll(self.max_records, self.poll_timeout_seconds)
                self.health.beat()
                if self._assigned is not None:
                    held = self._assigned()
                    self.health.set_check(
                        "kafka",
                        held,
                        "partitions assigned" if held else "waiting for partition assignment",
                    )
                now = self._clock()
                if not batch:
                    if self.source.exhausted:
                        break
                    self.pipeline.idle(now - last_poll)
                else:
                    for record in batch:
                        self.pipeline.process(record)
                last_poll = now
                self.pipeline.end_batch()
                self._flush_and_commit()
                if batch:
                    recorder.batch_duration.observe(self._clock() - now)
                if self._lag is not None and now - last_lag >= 5.0:  # lag lookups cost a call
                    last_lag = now
                    for (topic, partition), lag in self._lag().items():
                        recorder.consumer_lag.labels(topic, str(partition)).set(lag)
            if self.source.exhausted:
                self.pipeline.drain()
                self.pipeline.end_batch()
                self._flush_and_commit()
        finally:
            self.source.close()

    def _flush_and_commit(self) -> None:
        try:
            self.sink.flush()
        except Exception:
            self.pipeline.recorder.sink_errors.labels(self.sink.name).inc()
            self.health.set_check("sink", False, "flush failed; offsets not committed")
            log.error("flush_failed_commit_aborted")
            raise
        self.source.commit()
        self.pipeline.recorder.commits.inc()

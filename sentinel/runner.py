"""The consume loop, written as the at-least-once ordering:

    poll → process every record → flush outputs (accepted) → commit offsets.

A failed flush raises before the commit, so the batch is redelivered after a restart.
A stop request (SIGTERM) is honoured between records. When the source commits what was
processed (`commits_processed`: the Kafka source commits the shared state's positions), the
records handled so far are finished like a whole batch (outputs flushed, offsets
committed) and the rest is left to the next owner; otherwise an interrupted batch is not
committed and is redelivered (outputs carry their event_ids). Then the source closes.

Broker outages are watched (`ContactWatch`): lag lookups ask the broker for end offsets;
when it stops answering for longer than the grace, readiness turns false with the reason;
an outage is not idle traffic, so event time does not advance through it. A partition that
goes quiet while others keep the loop busy advances by its own idle time (`quiet.py`), so it
does not hold the evaluation of the others back.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Protocol

import structlog

from sentinel.health import ContactWatch, Health
from sentinel.io.records import Record, Sink, Source
from sentinel.pipeline import Pipeline
from sentinel.quiet import QuietPartitions

log = structlog.get_logger("sentinel.runner")
LAG_INTERVAL_SECONDS = 5.0  # lag lookups cost a call to the broker
LAG_INTERVAL_OUTAGE_SECONDS = 1.0  # every second while the broker is failing


class LoopReport(Protocol):
    """What the consume loop reports (the metrics observer implements it)."""

    def batch_done(self, seconds: float) -> None: ...

    def committed(self) -> None: ...

    def sink_failed(self, sink: str) -> None: ...

    def lag(self, lags: Mapping[tuple[str, int], int]) -> None: ...


class NoReport:
    """A `LoopReport` that reports nothing (tests, embedding without metrics)."""

    def batch_done(self, seconds: float) -> None:
        pass

    def committed(self) -> None:
        pass

    def sink_failed(self, sink: str) -> None:
        pass

    def lag(self, lags: Mapping[tuple[str, int], int]) -> None:
        pass


class Runner:
    def __init__(
        self,
        source: Source,
        pipeline: Pipeline,
        sink: Sink,
        health: Health,
        report: LoopReport | None = None,
        max_records: int = 1000,
        poll_timeout_seconds: float = 0.5,
        lag: Callable[[], dict[tuple[str, int], int]] | None = None,
        assigned: Callable[[], bool] | None = None,
        clock: Callable[[], float] = time.monotonic,
        watch: ContactWatch | None = None,
        after_batch: Callable[[], None] | None = None,
        commits_processed: bool = False,
        quiet_after_seconds: float | None = None,
    ) -> None:
        self.source = source
        self.pipeline = pipeline
        self.sink = sink
        self.health = health
        self.report: LoopReport = report or NoReport()
        self.max_records = max_records
        self.poll_timeout_seconds = poll_timeout_seconds
        self._lag = lag
        self._assigned = assigned  # readiness: the consumer holds partitions
        self._clock = clock
        self._watch = watch  # broker reachability (lag lookups, records received)
        # Called after each batch's end, before its flush and commit (shared state: fold
        # other replicas' changes, decide who delivers alerts).
        self._after_batch = after_batch
        # The source's commit() covers exactly the records processed, not all polled ones:
        # a batch cut short by a stop can then be committed as far as it went.
        self._commits_processed = commits_processed
        # Partitions without records while others keep the loop busy (needs lag lookups:
        # a partition is quiet only when nothing is left to read in it).
        quiet = quiet_after_seconds if lag is not None else None
        self._quiet = QuietPartitions(quiet) if quiet else None

    def run(self, stop: threading.Event) -> None:
        """Loop until `stop` is set or a finite source is exhausted."""
        last_poll = self._clock()
        last_lag = 0.0
        try:
            while not stop.is_set():
                batch = self.source.poll(self.max_records, self.poll_timeout_seconds)
                self.health.beat()
                if batch and self._watch is not None:
                    self._watch.ok()
                if self._assigned is not None:
                    self._kafka_check()
                now = self._clock()
                if not batch:
                    if self.source.exhausted:
                        break
                    if self._watch is None or not self._watch.failing:  # outage ≠ idle
                        self.pipeline.idle(now - last_poll)
                        if self._quiet is not None:
                            self._quiet.idle_everywhere(now)
                else:
                    for done, record in enumerate(batch):
                        if stop.is_set():  # SIGTERM mid-batch: exit within seconds
                            log.info("stopped_mid_batch", processed=done, batch=len(batch))
                            if not self._commits_processed:
                                return  # uncommitted: the batch is redelivered (deduped)
                            break  # finished and committed as far as it went
                        self.pipeline.process(record)
                    if self._quiet is not None:
                        self._advance_quiet(batch, now)
                last_poll = now
                self.pipeline.end_batch()
                if self._after_batch is not None:
                    self._after_batch()
                self._flush_and_commit()
                if batch:
                    self.report.batch_done(self._clock() - now)
                failing = self._watch is not None and self._watch.failing
                every = LAG_INTERVAL_OUTAGE_SECONDS if failing else LAG_INTERVAL_SECONDS
                if self._lag is not None and now - last_lag >= every:
                    last_lag = now
                    self._refresh_lag()
            if self.source.exhausted:
                self.pipeline.drain()
                self.pipeline.end_batch()
                self._flush_and_commit()
        finally:
            self.source.close()

    def _advance_quiet(self, batch: list[Record], now: float) -> None:
        """Partitions quiet while this batch came from others advance by their idle time."""
        assert self._quiet is not None
        self._quiet.received({(r.topic, r.partition) for r in batch}, now)
        for pid, seconds in self._quiet.due(now).items():
            self.pipeline.idle(seconds, (pid,))

    def _kafka_check(self) -> None:
        assert self._assigned is not None
        watch = self._watch
        if watch is not None and watch.down:
            self.health.set_check("kafka", False, watch.detail())
            return
        held = self._assigned()
        detail = "partitions assigned" if held else "waiting for partition assignment"
        self.health.set_check("kafka", held, detail)

    def _refresh_lag(self) -> None:
        assert self._lag is not None
        try:
            lags = self._lag()
        except Exception as exc:  # the broker did not answer: an outage, not a crash
            if self._quiet is not None:
                self._quiet.lags_unknown()
            if self._watch is not None:
                self._watch.failed(type(exc).__name__)
            else:
                log.warning("lag_lookup_failed", error=type(exc).__name__)
            return
        if self._watch is not None:
            self._watch.ok()
        if self._quiet is not None:
            self._quiet.lags(lags)
        self.report.lag(lags)

    def _flush_and_commit(self) -> None:
        try:
            self.sink.flush()
        except Exception:
            self.report.sink_failed(self.sink.name)
            self.health.set_check("sink", False, "flush failed; offsets not committed")
            log.error("flush_failed_commit_aborted")
            raise
        self.source.commit()
        self.report.committed()

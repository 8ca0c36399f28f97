"""Admission: plausibility bounds and an event-time skew guard, before an event joins.

A decoded event whose numbers no real model produces (tokens, latency, retries, rating
beyond `Bounds`) is an `implausible_value` dead letter; one stamped too far from the
processing clock is a `clock_skew` dead letter. Neither reaches correlation, trackers,
cost, burn rates, percentiles or the watermark, so one bad producer cannot time out every
pending request or trip a spend guard for everyone.

Which clock:
- `sentinel run` passes the wall clock: an event more than `max_future_seconds` ahead of
  it, or more than `max_age_seconds` behind it, is rejected at once.
- `sentinel replay` has no live clock, so the reference is the run's own event time (the
  newest admitted event): the outcome depends on the file only, never on when it is
  replayed. An event more than `max_future_seconds` ahead of it may be a skewed clock or
  a real gap in the recording (a quiet night), which one event cannot tell apart: it is
  held, and the next events vote. When the held events are the majority of the
  `VOTE_EVENTS` that arrive from the first held one on, traffic really moved and they are
  admitted in arrival order; otherwise they are `clock_skew` dead letters. The vote ends
  as soon as one side has a majority; it is wide enough that a burst of skewed events
  from one producer does not carry it. At the end of the input, held events are admitted
  (nothing contradicts them).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from sentinel.events.decode import Invalid
from sentinel.events.model import Event
from sentinel.io.records import Record

# Events that decide a held jump (the first held one and the next 50): at most 51 events
# wait, and a burst of up to 25 skewed events in a row cannot move the run's clock.
VOTE_EVENTS = 51


@dataclass(frozen=True, slots=True)
class Bounds:
    """Defaults lie far above any real model: 1M-token contexts exist, 100M do not."""

    max_tokens: int = 100_000_000  # per token kind, per event
    max_latency_ms: float = 86_400_000.0  # a day (latency and time to first token)
    max_retries: int = 1_000
    max_abs_rating: float = 10_000.0  # ratings are 1-5, 0-10 or 0-100 scales
    max_future_seconds: float = 900.0  # ahead of the processing clock; 0 turns it off
    # Behind the processing clock; 0 turns it off. Unset clocks stamp 1970; ten years
    # keeps any real backlog (and recorded test traffic) well inside.
    max_age_seconds: float = 3650 * 86_400.0


Admitted = tuple[Record, Event | Invalid]


def implausible(event: Event, bounds: Bounds) -> str | None:
    """Which field is beyond its bound (never its value), or None."""
    usage = event.usage
    if usage is not None and (
        max(
            usage.input_tokens,
            usage.output_tokens,
            usage.cached_input_tokens,
            usage.cache_write_tokens,
            usage.reasoning_tokens,
        )
        > bounds.max_tokens
    ):
        return f"usage: a token count above {bounds.max_tokens}"
    latency, ttft = event.latency_ms, event.ttft_ms
    if latency is not None and not latency <= bounds.max_latency_ms:  # NaN and inf too
        return f"latency_ms above {bounds.max_latency_ms:g}"
    if ttft is not None and not ttft <= bounds.max_latency_ms:
        return f"ttft_ms above {bounds.max_latency_ms:g}"
    if event.retries > bounds.max_retries:
        return f"retries above {bounds.max_retries}"
    feedback = event.feedback
    if feedback is not None and feedback.rating is not None:
        rating = feedback.rating
        if not math.isfinite(rating) or abs(rating) > bounds.max_abs_rating:
            return f"feedback.rating beyond ±{bounds.max_abs_rating:g}"
    return None


class Admission:
    """One step of the pipeline: `admit` returns what to process now, in order."""

    def __init__(self, bounds: Bounds, clock: Callable[[], float] | None = None) -> None:
        """`clock`: the processing clock (live); None: the run's own event time (replay)."""
        self.bounds = bounds
        self._clock = clock
        self._newest = -math.inf  # newest admitted event time (the replay reference)
        self._held: list[tuple[Record, Event]] = []
        self._votes_against = 0  # events within bounds since the first held one

    def admit(self, record: Record, event: Event) -> list[Admitted]:
        admitted = self.screen(record, event)
        return [(record, event)] if admitted is None else admitted

    def screen(
        self, record: Record, event: Event, event_time: float | None = None
    ) -> list[Admitted] | None:
        """`admit`, with None for its common answer: this event, as it is, and nothing
        else (no list built per event on the consume loop). `event_time`: the event's,
        when the caller has converted it already."""
        bounds = self.bounds
        why = implausible(event, bounds)
        if why is not None:
            return [(record, Invalid("implausible_value", why, len(record.value)))]
        t = event.event_time if event_time is None else event_time
        ahead, age = bounds.max_future_seconds, bounds.max_age_seconds
        if self._clock is not None:
            now = self._clock()
            if ahead and t > now + ahead:
                return [(record, _skew(record, f"{t - now:.0f} s ahead of the processing clock"))]
            if age and t < now - age:
                return [(record, _skew(record, f"{now - t:.0f} s behind the processing clock"))]
            return None
        newest = self._newest
        if age and t < newest - age:
            return [(record, _skew(record, f"{newest - t:.0f} s behind the newest event"))]
        if ahead and t > newest + ahead and newest != -math.inf:
            self._held.append((record, event))
            return self._vote()
        if t > newest:
            self._newest = t
        if not self._held:
            return None
        self._votes_against += 1
        return [(record, event), *self._vote()]

    def flush(self) -> list[Admitted]:
        """End of input: held events are admitted (nothing contradicts them)."""
        return self._release()

    @property
    def held(self) -> int:
        return len(self._held)

    def _vote(self) -> list[Admitted]:
        held, against = len(self._held), self._votes_against
        majority = VOTE_EVENTS // 2 + 1
        if held >= majority:
            return self._release()
        if against < majority:
            return []
        rejected: list[Admitted] = [
            (record, _skew(record, f"{event.event_time - self._newest:.0f} s ahead of the run"))
            for record, event in self._held
        ]
        self._held.clear()
        self._votes_against = 0
        return rejected

    def _release(self) -> list[Admitted]:
        released: list[Admitted] = list(self._held)
        for _, event in self._held:
            self._newest = max(self._newest, event.event_time)
        self._held.clear()
        self._votes_against = 0
        return released


def _skew(record: Record, detail: str) -> Invalid:
    return Invalid("clock_skew", detail, len(record.value))

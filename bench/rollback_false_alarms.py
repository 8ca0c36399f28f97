"""False alarms and detection of the rollback test under repeated looks, by simulation.

Each run is one rollout: a stream of exchanges, each canary with the scenario's traffic
share (which may step up, as a progressive rollout does) and bad with its variant's rate.
After every batch of exchanges the gate looks at the cumulative counts, exactly as the
engine does: nothing before both variants have `min_samples`, then `stats.msprt` and the
running minimum of its p-values against alpha. The naive alternative looks at the same
counts with a fixed-sample one-sided two-proportion z-test at level alpha.

A/A scenarios (the canary within its allowed degradation) measure the false-alarm rate;
A/B scenarios (a real degradation) measure the detection rate and the canary samples
needed. Run: `.venv/bin/python -m bench.rollback_false_alarms` (about a minute;
`--runs 500` for a quicker, noisier table).
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from dataclasses import dataclass

import numpy as np

from sentinel.rollback.stats import msprt


@dataclass(frozen=True)
class Scenario:
    name: str
    baseline_rate: float
    canary_rate: float
    canary_share: tuple[float, ...]  # per quarter of the run (a rollout's traffic steps)
    min_samples: int
    mixture_sd: float
    relative: float = 0.0
    absolute: float = 0.0
    alpha: float = 0.01
    batch: int = 200  # exchanges between two looks (~10 s of traffic at 20/s)
    looks: int = 250  # 50,000 exchanges per rollout

    @property
    def degraded(self) -> bool:
        allowed = (1 + self.relative) * self.baseline_rate + self.absolute
        return self.canary_rate > allowed + 1e-12


TEN = (0.1,)
RAMP = (0.05, 0.1, 0.25, 0.5)
SCENARIOS = [
    Scenario("A/A hallucination 2 %, canary 10 %", 0.02, 0.02, TEN, 500, 0.02),
    Scenario("A/A latency over limit 5 %, canary 20 %", 0.05, 0.05, (0.2,), 500, 0.05),
    Scenario("A/A PII leak 0.2 %, canary 10 %", 0.002, 0.002, TEN, 1000, 0.01),
    Scenario("A/A errors 1 %, ramp 5→50 %", 0.01, 0.01, RAMP, 500, 0.02),
    Scenario("A/A at the margin: 2.5 % vs 2 %, relative 0.25", 0.02, 0.025, TEN, 500, 0.02, 0.25),
    Scenario(
        "A/A 1 %, min 100, alpha 0.05, canary 50 %", 0.01, 0.01, (0.5,), 100, 0.02, alpha=0.05
    ),
    Scenario("A/B hallucination 2 → 6 %, canary 10 %", 0.02, 0.06, TEN, 500, 0.02),
    Scenario("A/B hallucination 2 → 6 %, min 100", 0.02, 0.06, TEN, 100, 0.02),
    Scenario("A/B hallucination 2 → 3 %, canary 10 %", 0.02, 0.03, TEN, 500, 0.02),
    Scenario("A/B latency over limit 5 → 10 %, canary 20 %", 0.05, 0.10, (0.2,), 500, 0.05),
    Scenario("A/B PII leak 0.2 → 1 %, canary 10 %", 0.002, 0.01, TEN, 1000, 0.01),
    Scenario("A/B errors 1 → 3 %, ramp 5→50 %", 0.01, 0.03, RAMP, 500, 0.02),
    Scenario("A/B 2 → 4 % with relative 0.25 allowed", 0.02, 0.04, TEN, 500, 0.02, 0.25),
]


@dataclass
class Outcome:
    alarms: int = 0
    samples: list[int] | None = None  # canary samples at the first alarm, per alarming run

    def add(self, canary_samples: int | None) -> None:
        if canary_samples is not None:
            self.alarms += 1
            assert self.samples is not None
            self.samples.append(canary_samples)


def _z_quantile(p: float) -> float:
    """Upper quantile of the standard normal, by bisection on erfc (no scipy)."""
    lo, hi = 0.0, 10.0
    for _ in range(100):
        mid = (lo + hi) / 2
        if 0.5 * math.erfc(mid / math.sqrt(2)) > p:
            lo = mid
        else:
            hi = mid
    return lo


def _naive_alarm(cb: int, cn: int, bb: int, bn: int, s: Scenario, z_crit: float) -> bool:
    k = 1 + s.relative
    excess = cb / cn - k * bb / bn - s.absolute
    pc, pb = cb / cn, bb / bn
    variance = pc * (1 - pc) / cn + k * k * pb * (1 - pb) / bn
    return variance > 0 and excess / math.sqrt(variance) > z_crit


def _stream(s: Scenario, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    n = s.batch * s.looks
    steps = len(s.canary_share)
    share = np.repeat(np.array(s.canary_share), -(-n // steps))[:n]
    canary = rng.random(n) < share
    bad = rng.random(n) < np.where(canary, s.canary_rate, s.baseline_rate)
    at = slice(s.batch - 1, None, s.batch)
    return (
        np.cumsum(bad & canary)[at],
        np.cumsum(canary)[at],
        np.cumsum(bad & ~canary)[at],
        np.cumsum(~canary)[at],
    )


def simulate(s: Scenario, runs: int, seed: int) -> tuple[Outcome, Outcome]:
    """(mSPRT, naive z-test) outcomes over `runs` rollouts."""
    rng = np.random.default_rng(seed)
    z_crit = _z_quantile(s.alpha)
    sequential, naive = Outcome(samples=[]), Outcome(samples=[])
    for _ in range(runs):
        cb, cn, bb, bn = (a.tolist() for a in _stream(s, rng))
        min_p, first_seq, first_naive = 1.0, None, None
        for i in range(s.looks):
            if cn[i] < s.min_samples or bn[i] < s.min_samples:
                continue
            if first_seq is None:
                look = msprt(
                    cb[i],
                    cn[i],
                    bb[i],
                    bn[i],
                    relative=s.relative,
                    absolute=s.absolute,
                    mixture_sd=s.mixture_sd,
                )
                min_p = min(min_p, look.p_value)
                if min_p <= s.alpha:
                    first_seq = cn[i]
            if first_naive is None and _naive_alarm(cb[i], cn[i], bb[i], bn[i], s, z_crit):
                first_naive = cn[i]
            if first_seq is not None and first_naive is not None:
                break
        sequential.add(first_seq)
        naive.add(first_naive)
    return sequential, naive


def wilson_upper(successes: int, n: int, z: float = 1.96) -> float:
    """Upper end of the 95 % Wilson interval of a proportion."""
    p = successes / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre + spread) / (1 + z * z / n)


def _median(outcome: Outcome) -> str:
    return f"{statistics.median(outcome.samples):,.0f}" if outcome.samples else "–"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=2000, help="A/A rollouts per scenario")
    parser.add_argument("--seed", type=int, default=20261102)
    args = parser.parse_args()
    started = time.perf_counter()
    print(
        "| scenario | alpha | runs | mSPRT alarms | 95 % upper | naive z alarms "
        "| mSPRT median canary samples | naive median |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for index, s in enumerate(SCENARIOS):
        runs = args.runs if not s.degraded else max(args.runs // 4, 100)
        seq, naive = simulate(s, runs, args.seed + index)
        upper = f"{wilson_upper(seq.alarms, runs):.2%}" if not s.degraded else ""
        print(
            f"| {s.name} | {s.alpha:g} | {runs} | {seq.alarms / runs:.2%} | {upper} "
            f"| {naive.alarms / runs:.2%} | {_median(seq)} | {_median(naive)} |",
            flush=True,
        )
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()

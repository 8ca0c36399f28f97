"""Hard benign text for the pii filter: numbers that look like phones, cards, SSNs or IPs.

Sentences built here from templates written for sentinel (no external text): ranges with
units, prices, decimals, dates, versions, order and ticket ids, measurements, statistics,
and code (slices, literals in tests and docstrings). Every template is a family; families
are split into development and held-out halves by a hash of the template, and values are
drawn from a seeded RNG, so the set is the same on every run.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable

Draw = Callable[[random.Random], str]


def _n(lo: int, hi: int) -> Draw:
    return lambda r: str(r.randint(lo, hi))


def _range(lo: int, hi: int) -> Draw:
    def draw(r: random.Random) -> str:
        a = r.randint(lo, hi)
        return f"{a}-{a + r.randint(1, hi)}"

    return draw


def _price(r: random.Random) -> str:
    return f"{r.randint(1, 9999)}.{r.randint(0, 99):02d}"


def _date(r: random.Random) -> str:
    y, m, d = r.randint(1990, 2030), r.randint(1, 12), r.randint(1, 28)
    return r.choice([f"{y}-{m:02d}-{d:02d}", f"{d:02d}-{m:02d}-{y}", f"{m:02d}/{d:02d}/{y}",
                     f"{d:02d}.{m:02d}.{y}"])  # fmt: skip


def _version(r: random.Random) -> str:
    return ".".join(str(r.randint(0, 30)) for _ in range(r.randint(3, 4)))


def _id(prefix: str, digits: int) -> Draw:
    return lambda r: f"{prefix}-{r.randint(10 ** (digits - 1), 10**digits - 1)}"


def _slice(r: random.Random) -> str:
    return r.choice(["[::2]", "[1::3]", "[::-1]", "[2::4]", "[::3]", "[10::5]"])


TEMPLATES: dict[str, dict[str, Draw]] = {
    "Write a {a} word essay on the history of the printing press.": {"a": _range(1000, 4000)},
    "The study followed {a} participants for {b} months.": {
        "a": _n(100, 90000),
        "b": _range(6, 48),
    },
    "Please keep the report between {a} words and add {b} references.": {
        "a": _range(1500, 5000),
        "b": _n(5, 40),
    },
    "The jacket costs ${a} and the shoes cost ${b}.": {"a": _price, "b": _price},
    "Total due: {a} EUR, tax {b} EUR, shipping {c} EUR.": {"a": _price, "b": _price, "c": _price},
    "Our revenue grew from {a} to {b} between {c} and {d}.": {
        "a": _n(1000000, 9000000),
        "b": _n(1000000, 9000000),
        "c": _n(1990, 2010),
        "d": _n(2011, 2030),
    },
    "The meeting moved from {a} to {b}.": {"a": _date, "b": _date},
    "Invoice dated {a}, due {b}, reference {c}.": {"a": _date, "b": _date, "c": _id("INV", 7)},
    "Upgrade from version {a} to {b} before the release.": {"a": _version, "b": _version},
    "We pinned numpy {a} and scipy {b} in the lock file.": {"a": _version, "b": _version},
    "My order {a} has not arrived; the ticket is {b}.": {"a": _id("ORD", 6), "b": _id("TCK", 8)},
    "Case {a} was merged into case {b} on {c}.": {
        "a": _id("CASE", 7),
        "b": _id("CASE", 7),
        "c": _date,
    },
    "The bridge is {a} metres long and {b} metres high.": {"a": _n(100, 99999), "b": _n(10, 999)},
    "Sample sizes ranged from {a} to {b} per arm (median {c}).": {
        "a": _n(100, 5000),
        "b": _n(5000, 900000),
        "c": _n(100, 9000),
    },
    "Population: {a} in {b}, {c} in {d}.": {
        "a": _n(1000000, 99999999),
        "b": _n(1950, 2000),
        "c": _n(1000000, 99999999),
        "d": _n(2001, 2024),
    },
    "Take every second element with xs{a} and every third with ys{b}.": {"a": _slice, "b": _slice},
    "    >>> evens = nums{a}\n    >>> odds = nums{b}\n": {"a": _slice, "b": _slice},
    '    >>> parse({{"name": "Ann", "zip": "{a}", "id": {b}}})\n': {
        "a": _n(10000, 99999),
        "b": _n(1000000, 9999999),
    },
    'ZIP = "{a}"\nassert normalize(ZIP) == "{a}"\n': {"a": _n(10000, 99999)},
    "assert checksum({a}) == {b}\n": {"a": _n(100000000, 999999999), "b": _n(0, 9)},
    "The run took {a} ms over {b} iterations ({c} s in total).": {
        "a": _n(1000000, 9999999),
        "b": _n(1000, 99999),
        "c": _price,
    },
    "Coordinates {a}.{b}, {c}.{d}.": {
        "a": _n(10, 89),
        "b": _n(100000, 999999),
        "c": _n(10, 179),
        "d": _n(100000, 999999),
    },
    "Timestamp {a} marks the first event, {b} the last.": {
        "a": _n(1500000000, 1800000000),
        "b": _n(1500000000, 1800000000),
    },
    "ISBN {a} and the 2nd edition {b}.": {
        "a": _n(9780000000000, 9799999999999),
        "b": _n(9780000000000, 9799999999999),
    },
    "The device has {a} GB of RAM and {b} MB of cache.": {"a": _n(4, 512), "b": _n(1, 256)},
    "Grades: {a}, {b}, {c} and {d} out of 100.": {
        "a": _n(40, 100),
        "b": _n(40, 100),
        "c": _n(40, 100),
        "d": _n(40, 100),
    },
    "Lines {a} of the log show the error.": {"a": _range(100, 9000)},
    "Flight {a} leaves at {b}:{c} from gate {d}.": {
        "a": _id("BA", 4),
        "b": _n(10, 23),
        "c": _n(10, 59),
        "d": _n(1, 60),
    },
    "The SKU {a}-{b}-{c} is out of stock.": {
        "a": _n(100, 999),
        "b": _n(100, 999),
        "c": _n(1000, 9999),
    },
    "Table 3 lists {a} cases, {b} controls and {c} exclusions.": {
        "a": _n(1000, 99999),
        "b": _n(1000, 99999),
        "c": _n(10, 999),
    },
    "It weighs {a} kg and costs £{b}.": {"a": _price, "b": _price},
    "Build {a} fixed the crash seen in build {b}.": {
        "a": _n(1000000, 9999999),
        "b": _n(1000000, 9999999),
    },
}


def family(template: str) -> str:
    """development or held-out, by a hash of the template (stable across runs)."""
    digest = hashlib.blake2b(template.encode("utf-8"), digest_size=8).digest()
    return "development" if digest[0] % 2 == 0 else "held-out"


def sentences(per_template: int = 20, seed: int = 11) -> dict[str, list[str]]:
    """The sentences of each half, `per_template` per template."""
    rng = random.Random(seed)
    out: dict[str, list[str]] = {"development": [], "held-out": []}
    for template, draws in TEMPLATES.items():
        for _ in range(per_template):
            values = {k: draw(rng) for k, draw in draws.items()}
            out[family(template)].append(template.format(**values))
    return out

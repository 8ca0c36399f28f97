"""Cheap RE2 supersets of Presidio's recognizers: which may match a text, and where.

Each supported recognizer has a `GateSpec`:

- `triggers`: RE2 patterns, one of which occurs in every string the recognizer can match.
  All triggers go into one `re2.Set`: one linear pass over the text. No trigger, no match.
- `run`: an RE2 pattern of the form `A*TA*`, where `A` is a character class holding every
  character the recognizer's regexes can consume. Its matches are the maximal runs of `A`
  that contain a trigger, so every match lies inside one run, and the characters just
  outside a run can never be consumed: a scan that starts a few characters before a run
  meets it exactly as a scan of the whole text does.
- Phone numbers (python-phonenumbers, not one regex) use clusters instead: digits (and x,
  which phonenumbers may read as a vanity digit) joined by gaps a phone candidate can
  contain: up to 4 punctuation characters inside a number, or an extension prefix
  (separators, a keyword of at most 10 characters, separators). A candidate's digits lie in
  one cluster, and phonenumbers reads at most 10 characters before (its lead: "(", "+") and
  a few after one. Only clusters with as many units as the shortest valid number count
  (`phone.py`). Not covered: a one-digit "number" whose extension phonenumbers fails to
  strip and then reads as vanity letters; none turned up in 14,700 tries over all regions.

Custom recognizers are RE2 already: their own patterns are their triggers and they run on
the whole text in linear time, so they need no run (`run=None`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import re2  # type: ignore[import-untyped]  # google-re2 ships no type information
import structlog

# Memory for the trigger set's DFA (RE2's default is 8 MiB; user patterns can be large). If
# it still runs out, RE2 reports "no match" silently: an always-matching first pattern
# exposes that, and each trigger is then searched on its own (a single-regex search falls
# back to RE2's NFA instead of failing).
SET_MAX_MEM_BYTES = 64 << 20
RUN_MAX_MEM_BYTES = 8 << 20
STRONG = ":strong"  # key suffix of a recognizer's strong-only runs
PHONE_LEAD_CHARS = 11  # phonenumbers: one "(" or "+", then up to 2 x (1 + 4) lead characters
# phonenumbers' punctuation inside a number (`_VALID_PUNCTUATION`; a test pins it), any case.
_PHONE_PUNCTUATION = (
    r"[\-xX\x{2010}-\x{2015}\x{2212}\x{30fc}\x{ff0d}-\x{ff0f} \x{a0}\x{ad}\x{200b}"
    r"\x{2060}\x{3000}()\x{ff08}\x{ff09}\x{ff3b}\x{ff3d}.\[\]/~\x{2053}\x{223c}\x{ff5e}]"
)
# Letters of the extension keywords (e?xt(ensi(ó)?)?n?, ｅｘｔｎ, доб, anexo, int, ｉｎｔ, x) in
# either case, with the characters Python's IGNORECASE adds (ı, ſ), and the symbols ;=#~.
_PHONE_KEYWORD = (
    r"[eExXtTnNsSiIaAoO\x{f3}\x{d3}\x{131}\x{130}\x{17f}\x{434}\x{414}\x{43e}\x{41e}"
    r"\x{431}\x{411}\x{ff45}\x{ff25}\x{ff58}\x{ff38}\x{ff54}\x{ff34}\x{ff4e}\x{ff2e}"
    r"\x{ff49}\x{ff29}#\x{ff03}~\x{ff5e};=]"
)
_PHONE_SEPARATORS = r"[ \x{a0}\t,\-]*"
# What may stand between two digits of one candidate: punctuation inside the number, or an
# extension prefix (separators, a keyword of at most 10 characters, separators; or "-"/" "
# before "<digits>#"), or a piece of one when an x sits inside it.
_PHONE_GAP = (
    rf"{_PHONE_PUNCTUATION}{{0,4}}|[\- ]+"
    rf"|[ \x{{a0}}\t,]*{_PHONE_KEYWORD}{{1,10}}[:.\x{{ff0e}}]?{_PHONE_SEPARATORS}"
)
_DIGIT = r"\p{Nd}"
# x is a unit too (phonenumbers may read it as a vanity digit); what is left of an extension
# prefix next to an x (", x12", "x: 12") may be bare separators, so an x unit takes them.
_X = rf"[xX\x{{ff58}}\x{{ff38}}][:.\x{{ff0e}}]?{_PHONE_SEPARATORS}"
_STEP = rf"(?:(?:{_PHONE_GAP}){_DIGIT}|(?:{_PHONE_GAP}|{_PHONE_SEPARATORS}){_X})"


def _phone_cluster(units: int) -> str:
    """At least `units` digits or x, joined by gaps; greedy, so a match is maximal."""
    return f"(?:{_DIGIT}|{_X}){_STEP}{{{units - 1}}}{_STEP}*"


@dataclass(frozen=True, slots=True)
class GateSpec:
    triggers: tuple[str, ...]  # RE2; one occurs in every match
    run: str | None = None  # RE2; maximal regions holding every match (None: whole text)
    lead: int = 0  # a run's region starts this many characters before the run
    trail: int = 0  # ... and ends this many after it
    # Characters the recognizer reads outside what it consumes: lookbehind, \b, a card
    # pattern's 14-character lookahead; phonenumbers' previous character and time-stamp
    # suffix (its lead characters are already inside the region).
    margin: int = 24
    # Runs of the recognizer's patterns that can pass a threshold without a context word
    # (e.g. the SSN pattern with separators, 0.5), and the best score of the others (0.05):
    # when no context word occurs in a text, only these runs can hold a finding.
    strong_run: str | None = None
    weak_score: float = 0.0


def _runs_of(alphabet: str, trigger: str) -> GateSpec:
    return GateSpec(triggers=(trigger,), run=f"{alphabet}*(?:{trigger}){alphabet}*")


_CARD = (
    r"(?:4\p{Nd}{3}|5[0-5]\p{Nd}{2}|6\p{Nd}{3}|1\p{Nd}{3}|3\p{Nd}{3})"
    r"[- ]?\p{Nd}{3,4}[- ]?\p{Nd}{3,4}[- ]?\p{Nd}{3,5}"
)
_MASTERCARD_2 = (
    r"2(?:22[1-9]|2[3-9][0-9]|[3-6][0-9]{2}|7[01][0-9]|720)[- ]?[0-9]{4}[- ]?[0-9]{4}[- ]?[0-9]{4}"
)
_SSN = (
    r"[0-9]{5}-[0-9]{4}|[0-9]{3}-[0-9]{6}|[0-9]{3}-[0-9]{2}-[0-9]{4}|[0-9]{9}"
    r"|[0-9]{3}[- .][0-9]{2}[- .][0-9]{4}"
)
# ASCII letters plus what Unicode case folding adds to them (K: Kelvin, ſ: long s, İ, ı).
_LETTERS = r"A-Za-z\x{130}\x{131}\x{17f}\x{212a}"
_IP = rf"::|(?:[0-9{_LETTERS}]{{1,4}}:){{7}}|[0-9]{{1,3}}\.[0-9]{{1,3}}\.[0-9]{{1,3}}\.[0-9]{{1,3}}"

# Keyed by recognizer class name. The alphabets are supersets of what each Presidio regex
# consumes (its `\d` and `\w` are Unicode, so the classes here are too).
SPECS: dict[str, GateSpec] = {
    "OfflineEmailRecognizer": _runs_of(r"\S", "@"),
    "CreditCardRecognizer": _runs_of(r"[\p{Nd} \-]", _CARD),
    "Mastercard2SeriesRecognizer": _runs_of(r"[0-9 \-]", _MASTERCARD_2),
    "UsSsnRecognizer": GateSpec(
        triggers=(_SSN,),
        run=rf"[0-9 .\-]*(?:{_SSN})[0-9 .\-]*",
        strong_run=r"[0-9 .\-]*(?:[0-9]{3}[- .][0-9]{2}[- .][0-9]{4})[0-9 .\-]*",
        weak_score=0.05,
    ),
    "IbanRecognizer": _runs_of(rf"[0-9{_LETTERS} \-]", rf"[{_LETTERS}]{{2}}[0-9]{{2}}"),
    "IpRecognizer": _runs_of(rf"[\p{{Nd}}0-9{_LETTERS}:./%]", _IP),
}


def phone_spec(min_units: int) -> GateSpec:
    """Clusters of at least `min_units` digits (or x): the shortest valid number."""
    return GateSpec(
        triggers=(_phone_cluster(min_units),),
        run=_phone_cluster(min_units),
        lead=PHONE_LEAD_CHARS,
        trail=1,  # an extension may end with "#"
        margin=8,
    )


def options(max_mem: int) -> Any:
    """RE2 options: a memory limit, and no logging (it would go to stderr)."""
    opts = re2.Options()
    opts.max_mem = max_mem
    opts.log_errors = False
    return opts


class Gate:
    """One RE2 set over every trigger, and each recognizer's runs on demand."""

    def __init__(self, specs: dict[str, GateSpec], set_max_mem: int = SET_MAX_MEM_BYTES) -> None:
        self.specs = specs
        self.overflows = 0  # texts the set could not scan (the fallback scanned them)
        self._owners: list[str] = [""]
        self._set = re2.Set.SearchSet(options(set_max_mem))
        # Matches every input, at its end: its absence means the DFA ran out of memory. (An
        # empty pattern would too, but it makes every DFA state a match state: RE2 then
        # records the set's matches at every byte, a third of a pass.)
        self._set.Add(r"\z")
        self._triggers: dict[str, list[Any]] = {}
        self._runs: dict[str, Any] = {}
        for key, spec in specs.items():
            self._triggers[key] = []
            for trigger in spec.triggers:
                self._set.Add(trigger)
                self._owners.append(key)
                self._triggers[key].append(re2.compile(trigger, options(RUN_MAX_MEM_BYTES)))
            if spec.run is not None:
                self._runs[key] = re2.compile(spec.run, options(RUN_MAX_MEM_BYTES))
            if spec.strong_run is not None:
                self._runs[key + STRONG] = re2.compile(spec.strong_run, options(RUN_MAX_MEM_BYTES))
        self._set.Compile()

    def fired(self, text: str | bytes) -> set[str]:
        """Keys whose trigger occurs in `text`."""
        matched = self._set.Match(text)
        if matched:
            return {self._owners[i] for i in matched if i}
        self.overflows += 1
        if self.overflows == 1:
            log = structlog.get_logger("sentinel.pii")
            log.warning("pii_gate_overflow", fallback="per_trigger_search")
        return {k for k, found in self._triggers.items() if any(p.search(text) for p in found)}

    def runs(self, key: str, text: str) -> list[tuple[int, int]]:
        """The runs (or phone clusters) of `key`'s recognizer in `text`, in order."""
        return [m.span() for m in self._runs[key].finditer(text)]

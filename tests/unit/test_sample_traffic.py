"""The committed sample traffic regenerates exactly and decodes the way its generator says."""

from __future__ import annotations

import gzip
import importlib.util
import sys
import zlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from sentinel.events.decode import REASONS, EventDecoder, Invalid
from sentinel.events.model import Event

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "gen_sample_traffic.py"
SAMPLE = ROOT / "sentinel" / "data" / "sample-traffic.jsonl.gz"
MIB = 1024 * 1024


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_sample_traffic", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


gen = _load_generator()
Manifest = dict[str, object]


@pytest.fixture(scope="module")
def generated() -> tuple[list[bytes], Manifest]:
    result: tuple[list[bytes], Manifest] = gen.generate()
    return result


@pytest.fixture(scope="module")
def lines(generated: tuple[list[bytes], Manifest]) -> list[bytes]:
    return generated[0]


@pytest.fixture(scope="module")
def manifest(generated: tuple[list[bytes], Manifest]) -> Manifest:
    return generated[1]


@pytest.fixture(scope="module")
def decoded(lines: list[bytes]) -> list[Event | Invalid]:
    decoder = EventDecoder(max_event_bytes=4 * MIB)  # above the largest sample line
    return [decoder.decode(line) for line in lines]


@pytest.fixture(scope="module")
def events(decoded: list[Event | Invalid]) -> list[Event]:
    return [d for d in decoded if isinstance(d, Event)]


@pytest.fixture(scope="module")
def unique_events(events: list[Event]) -> list[Event]:
    seen: dict[str, Event] = {}
    for event in events:
        seen.setdefault(event.event_id, event)
    return list(seen.values())


def test_committed_file_matches_regeneration(lines: list[bytes]) -> None:
    """Regenerating with the default seed gives exactly the committed file's content."""
    assert gzip.decompress(SAMPLE.read_bytes()) == gen.render(lines)


@pytest.mark.skipif(
    "ng" in zlib.ZLIB_RUNTIME_VERSION, reason="zlib-ng compresses the same bytes differently"
)
def test_committed_gzip_is_byte_identical(lines: list[bytes]) -> None:
    """With stock zlib the committed .gz file itself is reproduced byte for byte."""
    assert gen.compress(gen.render(lines)) == SAMPLE.read_bytes()


def test_compression_has_no_timestamp_or_name() -> None:
    """The gzip header carries mtime 0 and no file name, so output depends on input only."""
    first = gen.compress(b'{"a":1}\n')
    assert first == gen.compress(b'{"a":1}\n')
    assert first[3] == 0  # FLG: no FNAME, no comment
    assert first[4:8] == b"\0\0\0\0"  # MTIME


def test_same_seed_same_lines_other_seed_other_lines() -> None:
    """The seed alone decides the output."""
    assert gen.generate(7, 60, long_context=0)[0] == gen.generate(7, 60, long_context=0)[0]
    assert gen.generate(7, 60, long_context=0)[0] != gen.generate(8, 60, long_context=0)[0]


def test_every_line_decodes_or_fails_with_the_intended_reason(
    decoded: list[Event | Invalid], manifest: Manifest
) -> None:
    """Each line is an Event, unless the manifest names the dead-letter reason it must get."""
    intended = manifest["invalid_lines"]
    assert isinstance(intended, dict)
    wrong = []
    for index, result in enumerate(decoded):
        want = intended.get(index)
        got = result.reason if isinstance(result, Invalid) else None
        if got != want:
            wrong.append((index, want, got))
    assert wrong == []


def test_malformed_lines_cover_every_reason_but_oversized(
    decoded: list[Event | Invalid], manifest: Manifest
) -> None:
    """About twenty malformed lines exercise every decode reason except `oversized` and the
    hostile-input ones (`too_deep`, `decode_failed`: see test_fuzz.py)."""
    reasons = Counter(d.reason for d in decoded if isinstance(d, Invalid))
    assert reasons == manifest["invalid"]
    assert set(reasons) == set(REASONS) - {"oversized", "too_deep", "decode_failed"}
    assert 15 <= sum(reasons.values()) <= 30


def test_event_counts_match_manifest(events: list[Event], manifest: Manifest) -> None:
    """Valid lines per event type are what the generator reports."""
    assert dict(Counter(e.type for e in events)) == manifest["events"]
    assert len(events) == manifest["valid_lines"]


def test_duplicates_are_identical_redeliveries(
    lines: list[bytes], decoded: list[Event | Invalid], manifest: Manifest
) -> None:
    """Repeated event_ids are exactly the intended duplicates, each a byte-identical line."""
    by_id: dict[str, list[bytes]] = {}
    for line, result in zip(lines, decoded, strict=True):
        if isinstance(result, Event):
            by_id.setdefault(result.event_id, []).append(line)
    repeated = sorted(event_id for event_id, copies in by_id.items() if len(copies) > 1)
    assert repeated == manifest["duplicate_event_ids"]
    assert all(len(set(by_id[event_id])) == 1 for event_id in repeated)


def test_timeouts_and_orphans_are_the_intended_ones(
    unique_events: list[Event], manifest: Manifest
) -> None:
    """Requests without a response and responses without a request match the manifest."""
    requests = {e.request_id for e in unique_events if e.type == "request"}
    responses = {e.request_id for e in unique_events if e.type == "response"}
    assert sorted(requests - responses) == manifest["timeout_request_ids"]
    assert sorted(responses - requests) == manifest["orphan_request_ids"]
    pairs = manifest["pairs"]
    assert isinstance(pairs, int)
    assert 0.005 * pairs <= len(requests - responses) <= 0.02 * pairs


def test_feedback_refers_to_earlier_exchanges(unique_events: list[Event]) -> None:
    """About fifty feedback events each rate an exchange seen earlier in the file."""
    seen: set[str] = set()
    feedback = []
    for event in unique_events:
        if event.type == "feedback":
            assert event.request_id in seen
            feedback.append(event)
        else:
            seen.add(event.request_id)
    assert 40 <= len(feedback) <= 60
    ratings = Counter(e.feedback.rating for e in feedback if e.feedback is not None)
    assert set(ratings) <= {1, 2, 3, 4, 5} and len(ratings) >= 3
    assert any(e.feedback and e.feedback.escalated for e in feedback)
    assert any(e.feedback and e.feedback.complaint for e in feedback)


def test_three_long_context_requests_exceed_one_mib(lines: list[bytes]) -> None:
    """At least three lines are over 1 MiB, and a 1 MiB limit dead-letters exactly those."""
    big = [i for i, line in enumerate(lines) if len(line) > MIB]
    assert len(big) >= 3
    limited = EventDecoder(max_event_bytes=MIB)
    oversized = [
        i
        for i, line in enumerate(lines)
        if (r := limited.decode(line)) and isinstance(r, Invalid) and r.reason == "oversized"
    ]
    assert oversized == big
    assert len(SAMPLE.read_bytes()) < 3 * 1000 * 1000


def test_long_context_requests_carry_their_text_as_context(
    decoded: list[Event | Invalid], lines: list[bytes]
) -> None:
    """The big lines are requests whose retrieved chunks hold 1.1-1.5 MiB of text."""
    for line, result in zip(lines, decoded, strict=True):
        if len(line) > MIB:
            assert isinstance(result, Event) and result.type == "request"
            assert 1.1 * MIB <= sum(len(c.text) for c in result.context) <= 1.5 * MIB


def test_both_variants_present_with_a_cheaper_canary_model(unique_events: list[Event]) -> None:
    """Baseline and canary both occur on one service/feature; the canary has its own model."""
    variants = [e for e in unique_events if e.variant and e.type in ("request", "exchange")]
    share = Counter(e.variant for e in variants)
    assert set(share) == {"baseline", "canary"}
    assert 0.08 <= share["canary"] / len(variants) <= 0.25
    assert len({(e.service, e.feature) for e in variants}) == 1
    models = {v: {e.model for e in variants if e.variant == v} for v in share}
    assert len(models["baseline"]) == len(models["canary"]) == 1
    assert models["baseline"] != models["canary"]


def test_usage_follows_the_input_includes_cached_convention(unique_events: list[Event]) -> None:
    """Cached and cache-write tokens fit inside input, reasoning inside output, some cached."""
    usages = [e.usage for e in unique_events if e.usage is not None]
    for u in usages:
        assert u.cached_input_tokens + u.cache_write_tokens <= u.input_tokens
        assert u.reasoning_tokens <= u.output_tokens
    cached = sum(u.cached_input_tokens > 0 for u in usages) / len(usages)
    assert 0.3 <= cached <= 0.55
    assert any(u.cache_write_tokens for u in usages)
    assert any(u.reasoning_tokens for u in usages)


def test_response_time_is_request_time_plus_latency(unique_events: list[Event]) -> None:
    """A response is stamped at its request's time plus latency; time to first token is less."""
    requests = {e.request_id: e for e in unique_events if e.type == "request"}
    checked = 0
    for event in unique_events:
        if event.ttft_ms is not None:
            assert event.latency_ms is not None and event.ttft_ms < event.latency_ms
        request = requests.get(event.request_id)
        if event.type == "response" and request is not None:
            assert event.latency_ms is not None
            gap_ms = (event.event_time - request.event_time) * 1000.0
            assert abs(gap_ms - event.latency_ms) <= 1.0
            checked += 1
    assert checked > 3000


def test_traffic_shape(unique_events: list[Event], manifest: Manifest) -> None:
    """Errors near 3 %, retries, a tail past 80 s, ~20 % exchange events, two hours of time."""
    done = [e for e in unique_events if e.type in ("response", "exchange")]
    errors = [e for e in done if e.status == "error"]
    assert 0.02 <= len(errors) / len(done) <= 0.045
    assert {e.error.type for e in errors if e.error} == {"rate_limit", "timeout", "server_error"}
    assert {e.retries for e in done} >= {0, 1, 2, 3}
    assert any(e.retries and e.status == "ok" for e in done)
    slow = sum(e.latency_ms is not None and e.latency_ms > 80_000 for e in done)
    assert 3 <= slow <= 12 and slow == manifest["latency_over_80s"]
    share = sum(e.type == "exchange" for e in done) / len(done)
    assert 0.15 <= share <= 0.25
    times = [e.event_time for e in unique_events]
    assert 1.8 * 3600 <= max(times) - min(times) <= 2.5 * 3600


def test_lines_are_in_event_time_order_up_to_small_jitter(unique_events: list[Event]) -> None:
    """Some lines arrive late, none by more than a few seconds, most are in order."""
    latest = float("-inf")
    late = []
    for event in unique_events:
        if event.event_time < latest:
            late.append(latest - event.event_time)
        latest = max(latest, event.event_time)
    assert 0 < len(late) < 0.05 * len(unique_events)
    assert max(late) < 5.0


def test_some_prompts_carry_fake_pii_and_injections(unique_events: list[Event]) -> None:
    """A few percent of prompts contain fake PII or an injection phrasing, not more."""
    prompts = [
        " ".join(m.content or "" for m in e.messages if m.role == "user")
        for e in unique_events
        if e.messages
    ]
    card = sum("4111 1111 1111 1111" in p or "4111-1111-1111-1111" in p for p in prompts)
    email = sum("@example." in p for p in prompts)
    injection = sum("ignore all previous instructions" in p.lower() for p in prompts)
    assert card >= 3 and email >= 10 and injection >= 3
    assert (card + email + injection) / len(prompts) < 0.06


def test_cli_writes_gzip_or_plain_or_stdout(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """`--out` gzips a .gz name, writes plain JSON Lines otherwise, and '-' means stdout."""
    expected = gen.render(gen.generate(5, 60)[0])
    assert gen.main(["--seed", "5", "--exchanges", "60", "--out", str(tmp_path / "t.gz")]) == 0
    assert gzip.decompress((tmp_path / "t.gz").read_bytes()) == expected
    assert gen.main(["--seed", "5", "--exchanges", "60", "--out", str(tmp_path / "t.jsonl")]) == 0
    assert (tmp_path / "t.jsonl").read_bytes() == expected
    capsysbinary.readouterr()
    assert gen.main(["--seed", "5", "--exchanges", "60", "--out", "-"]) == 0
    assert capsysbinary.readouterr().out == expected


def test_word_lists_load_from_their_data_file() -> None:
    """The text pools come from sample_traffic_words.yaml, validated into the `Words` model."""
    words = gen.load_words()
    assert gen.WORDS_FILE.name == "sample_traffic_words.yaml"
    assert words == gen.WORDS
    assert words.feedback_comments.keys() == {1, 2, 3, 4, 5}
    assert all(len(person) == 2 for person in words.people)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        pytest.param(
            lambda d: d.update(colours=["red"]), "colours", id="an unknown pool is refused"
        ),
        pytest.param(lambda d: d.pop("phones"), "phones", id="a missing pool is refused"),
        pytest.param(
            lambda d: d.update(products=[["tent"]]), "products", id="a pool of the wrong shape"
        ),
    ],
)
def test_bad_word_lists_stop_the_generator_naming_file_and_pool(
    tmp_path: Path, edit: Callable[[dict[str, object]], object], message: str
) -> None:
    """A word-list file that does not match the model fails at load with its path and field."""
    document = yaml.safe_load(gen.WORDS_FILE.read_text(encoding="utf-8"))
    edit(document)
    path = tmp_path / "words.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(ValueError, match=rf"could not load {path}: (?s:.*){message}"):
        gen.load_words(path)

"""No single event, scrape or outage stops, stalls or poisons `sentinel run`: each row of
the hostile-input and fault table, reproduced against a real broker and shown fixed."""

from __future__ import annotations

import json
import random
import string
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from _procs import free_port, wait_until
from _sentinel import SentinelProc, parse_metrics, start_sentinel, total
from kafka import KafkaConsumer, KafkaProducer

MODEL = "gpt-4.1-mini"
READ = "sentinel_events_read_total"
INVALID = "sentinel_events_invalid_total"
EXCHANGES = "sentinel_exchanges_total"


def _stamp(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _event(type_: str, request_id: str, at: datetime | None = None, **fields: Any) -> bytes:
    document = {
        "schema": "sentinel.llm.v1",
        "event_id": f"{request_id}-{type_}-{uuid.uuid4().hex[:8]}",
        "type": type_,
        "request_id": request_id,
        "timestamp": _stamp(at or datetime.now(UTC)),
        "service": "support-bot",
        "model": MODEL,
        **fields,
    }
    return json.dumps(document, separators=(",", ":")).encode()


def _produce(bootstrap: str, topic: str, values: list[bytes]) -> None:
    producer = KafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=5, max_request_size=16 * 1024 * 1024
    )
    try:
        futures = [producer.send(topic, value=v) for v in values]
        producer.flush(timeout=60)
        for future in futures:
            future.get(timeout=30)
    finally:
        producer.close()


def _read(bootstrap: str, topic: str) -> list[Any]:
    """Every record of `topic`, from the beginning (stops after 5 s without one)."""
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=5000,
    )
    try:
        return list(consumer)
    finally:
        consumer.close()


def _dead_letters(bootstrap: str, topic: str, expected: int) -> list[dict[str, bytes]]:
    headers = [dict(m.headers) for m in _read(bootstrap, topic)]
    assert len(headers) == expected, headers
    return headers


def _names(tag: str) -> dict[str, str]:
    suffix = uuid.uuid4().hex[:8]
    return {k: f"resilience-{tag}-{k}-{suffix}" for k in ("events", "group", "dlq", "verdicts")}


@pytest.fixture
def sentinels(tmp_path: Path) -> Iterator[Callable[..., SentinelProc]]:
    started: list[SentinelProc] = []

    def start(
        bootstrap: str, names: dict[str, str], *args: str, wait_ready: bool = True, **kw: Any
    ) -> SentinelProc:
        proc = start_sentinel(
            tmp_path,
            bootstrap,
            names["events"],
            names["group"],
            names["dlq"],
            names["verdicts"],
            args,
            wait_ready=wait_ready,
            **kw,
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.stop()


def test_hostile_events_are_dead_letters_and_the_stream_goes_on(
    kafka_bootstrap: str, create_topic: Callable[..., None], sentinels: Any
) -> None:
    """Rows 1-4 and 6: a line nested 1,000 deep (once crashed the process at the same offset
    on every restart), year 9999 among 300 pending requests (once timed them all out and
    hung), two exchanges a year apart (49 s of ticks), 10^30 tokens and 1e308 ms (once
    summed into cost), an e-mail as feature and endpoint (once raw in /metrics and
    verdicts): every one handled while the stream goes on."""
    names = _names("hostile")
    for topic in (names["events"], names["dlq"], names["verdicts"]):
        create_topic(kafka_bootstrap, topic, 1)
    sentinel = sentinels(
        kafka_bootstrap, names, "--max-event-age-seconds", "0", "--verdicts", "all"
    )
    now = datetime.now(UTC)
    deep = b'{"a":' * 1000 + b"1" + b"}" * 1000
    deep_metadata = b'"metadata":{"x":' + b"[" * 1000 + b"]" * 1000 + b'},"model"'
    calls = {"tool_calls": [{"name": "t", "arguments": "X"}]}
    values = [
        _event("exchange", "deep-meta").replace(b'"model"', deep_metadata),
        _event("exchange", "deep-args", output=calls).replace(b'"X"', deep),
    ]
    values += [_event("request", f"p{i}", now) for i in range(300)]
    values.append(_event("exchange", "future", datetime(9999, 12, 31, tzinfo=UTC)))
    values += [_event("response", f"p{i}", now + timedelta(seconds=1)) for i in range(300)]
    values.append(_event("exchange", "last-year", now - timedelta(days=365), latency_ms=300.0))
    values.append(_event("exchange", "this-year", now, latency_ms=300.0))
    values.append(_event("exchange", "huge", now, latency_ms=1e308, usage={"input_tokens": 10**30}))
    values.append(
        _event("exchange", "pii", now, feature="alice@example.com", endpoint="bob@corp.example")
    )
    _produce(kafka_bootstrap, names["events"], values)

    samples = sentinel.wait_metrics(
        lambda s: total(s, READ) >= len(values), 120, "every event read"
    )
    invalid = {
        labels["reason"]: value for name, labels, value in samples if name == INVALID and value
    }
    assert invalid == {"too_deep": 2, "clock_skew": 1, "implausible_value": 1}
    assert total(samples, EXCHANGES, outcome="ok") == 300 + 3  # pairs, two years, pii
    assert total(samples, EXCHANGES, outcome="timeout") == 0
    assert total(samples, "sentinel_cost_usd_total") < 1.0
    body = sentinel.get("/metrics").text
    assert "@" not in body and 'feature="redacted"' in body
    headers = _dead_letters(kafka_bootstrap, names["dlq"], 4)
    assert sorted(h["sentinel.reason"] for h in headers) == [
        b"clock_skew",
        b"implausible_value",
        b"too_deep",
        b"too_deep",
    ]
    assert sentinel.terminate(15.0) == 0  # a clean exit (the 5 s bound: the SIGTERM tests)


def test_one_output_full_of_findings_is_bounded_and_the_stream_goes_on(
    kafka_bootstrap: str, create_topic: Callable[..., None], sentinels: Any
) -> None:
    """A 1.3 MB answer of 24,000 phone numbers, e-mail addresses and citations once made a
    verdict of several MB (every finding listed) and took minutes to scan (two quadratic
    passes): with verdicts on a topic at Kafka's default size limit (1 MB), the broker
    refused it, the flush failed and every restart met the same answer. Now its verdict
    carries the 100 most severe findings and counts the rest, the scan stops at its time
    budget, and the exchanges after it are counted."""
    names = _names("findings")
    for topic in (names["events"], names["dlq"]):
        create_topic(kafka_bootstrap, topic, 1)
    create_topic(kafka_bootstrap, names["verdicts"], 1, {"max.message.bytes": "1048588"})
    sentinel = sentinels(kafka_bootstrap, names, "--verdicts", "all")
    now = datetime.now(UTC)
    context = [{"id": "doc-1", "text": "Opening hours are nine to five on weekdays."}]
    line = "Call +1 (555) 123-4567 or write to a.b@example.com [7]. "
    values = [
        _event(
            "request",
            "hostile",
            now,
            messages=[{"role": "user", "content": "list"}],
            context=context,
        ),
        _event("response", "hostile", now, output={"content": line * 24_000}),
    ]
    values += [_event("exchange", f"after-{i}", now, latency_ms=300.0) for i in range(20)]
    _produce(kafka_bootstrap, names["events"], values)

    sentinel.wait_metrics(
        lambda s: total(s, EXCHANGES) >= 21, 120, "the hostile exchange and the 20 after it"
    )
    records = {m.key: m.value for m in _read(kafka_bootstrap, names["verdicts"])}
    assert len(records) == 21
    hostile = json.loads(records[b"hostile"])
    assert len(hostile["findings"]) == 100
    assert hostile["findings_omitted"] > 0
    assert hostile["action"] == max(
        (f["action"] for f in hostile["findings"]),
        key=["allow", "flag", "redact", "escalate", "block"].index,
    )
    assert len(records[b"hostile"]) < 64 * 1024
    assert b"example.com" not in records[b"hostile"]  # spans, never the text
    assert sentinel.terminate(15.0) == 0


def test_a_large_dead_letter_fits_a_dead_letter_topic_with_stock_limits(
    kafka_bootstrap: str, create_topic: Callable[..., None], sentinels: Any
) -> None:
    """A 2 MB malformed event once made a 2 MB dead letter: on a dead-letter topic with a
    stock broker's 1 MB limit the broker refused it, the flush failed and every restart
    met the same event. Sentinel now asks the topic's limit at start: the dead letter is
    cut under it (flagged truncated; the original stays at its source offset) and the
    exchanges after it are counted."""
    names = _names("dlq-limit")
    for topic in (names["events"], names["verdicts"]):
        create_topic(kafka_bootstrap, topic, 1)
    create_topic(kafka_bootstrap, names["dlq"], 1, {"max.message.bytes": "1048588"})
    sentinel = sentinels(kafka_bootstrap, names)
    now = datetime.now(UTC)
    broken = b'{"schema":"sentinel.llm.v1","event_id":"x","notes":"' + b"y" * 2_000_000
    values = [broken] + [_event("exchange", f"after-{i}", now, latency_ms=300.0) for i in range(5)]
    _produce(kafka_bootstrap, names["events"], values)

    sentinel.wait_metrics(lambda s: total(s, EXCHANGES) >= 5, 60, "the exchanges after it")
    letters = _read(kafka_bootstrap, names["dlq"])
    assert len(letters) == 1
    headers = dict(letters[0].headers)
    assert headers["sentinel.reason"] == b"bad_json"
    assert headers["sentinel.truncated"] == b"true"
    assert headers["sentinel.size_bytes"] == str(len(broken)).encode()
    assert 900_000 < len(letters[0].value) < 1_048_588
    assert broken.startswith(letters[0].value)
    assert sentinel.terminate(15.0) == 0


def test_scrapes_while_two_replicas_consume_random_labels(
    kafka_bootstrap: str, create_topic: Callable[..., None], sentinels: Any
) -> None:
    """Rows 5 and 7: /metrics scraped continuously while two replicas consume 3,000
    events with 50 random values per label: every scrape parses, read totals never go
    back, the series budget folds the rest into `other` and a scrape stays under 1 MB
    (15 MB and `dictionary changed size during iteration` before)."""
    names = _names("scrape")
    create_topic(kafka_bootstrap, names["events"], 2)
    for topic in (names["dlq"], names["verdicts"]):
        create_topic(kafka_bootstrap, topic, 1)
    replicas = [
        sentinels(kafka_bootstrap, names, "--verdicts", "off", name=f"replica-{i}")
        for i in range(2)
    ]
    rnd = random.Random(9)
    dims = ("service", "endpoint", "feature", "model", "variant")
    pool = {
        d: ["".join(rnd.choices(string.ascii_lowercase, k=12)) for _ in range(50)] for d in dims
    }
    values = [
        _event("exchange", f"c{i}", **{d: rnd.choice(pool[d]) for d in dims}) for i in range(3000)
    ]
    errors: list[str] = []
    scrapes = [0]
    largest = [0]
    done = threading.Event()

    def scrape(replica: SentinelProc) -> None:
        last = 0.0
        while not done.is_set():
            try:
                text = requests.get(f"{replica.url}/metrics", timeout=10).text
                read = total(parse_metrics(text), READ)
            except Exception as exc:  # a failed or unparsable scrape is the bug
                errors.append(repr(exc))
                return
            if read < last:
                errors.append(f"read went back from {last} to {read}")
            last = read
            scrapes[0] += 1
            largest[0] = max(largest[0], len(text.encode()))

    threads = [threading.Thread(target=scrape, args=(r,)) for r in replicas for _ in range(2)]
    for t in threads:
        t.start()
    try:
        _produce(kafka_bootstrap, names["events"], values)
        wait_until(
            lambda: sum(total(r.metrics(), READ) for r in replicas) >= len(values),
            120,
            "every event read by the two replicas",
        )
    finally:
        done.set()
        for t in threads:
            t.join(30)
    assert errors == []
    assert scrapes[0] > 20
    assert largest[0] < 1_000_000
    folded = sum(
        total(r.metrics(), "sentinel_series_folded_total", family="exchange_labels")
        for r in replicas
    )
    assert folded > 2000
    for replica in replicas:
        log = replica.proc.log_path.read_text()
        assert "Traceback" not in log and "RuntimeError" not in log


# librdkafka's default consumer session (`session.timeout.ms`)
LIBRDKAFKA_SESSION_S = 45.0


def _outage(
    broker: Any, sentinel: SentinelProc, names: dict[str, str], at_least_s: float = 0.0
) -> tuple[float, float]:
    """Stop the broker, wait for /readyz to say so (and until `at_least_s` have passed), start
    it again and produce 20 events; returns how long the broker was away and how long after
    its return the 20 events were read."""
    read_before = total(sentinel.metrics(), READ)
    gone = time.monotonic()
    broker.stop()
    reason = wait_until(
        lambda: (r := sentinel.get("/readyz")).status_code == 503 and r.json()["kafka"]["detail"],
        30,
        "/readyz to turn false",
    )
    assert "unreachable" in reason
    time.sleep(max(0.0, at_least_s - (time.monotonic() - gone)))
    broker.start()
    back = time.monotonic()
    _produce(broker.bootstrap, names["events"], [_event("exchange", f"b{i}") for i in range(20)])
    sentinel.wait_metrics(
        lambda s: total(s, READ) >= read_before + 20, 120, "the 20 events after the outage"
    )
    return back - gone, time.monotonic() - back


def _session_timed_out(sentinel: SentinelProc) -> bool:
    """librdkafka logged that its consumer's group session ran out (it then joins again)."""
    return any("session timed out" in str(x.get("message", "")) for x in sentinel.log_lines())


@pytest.mark.parametrize(
    ("input_client", "output_client"),
    [("kafka-python", "kafka-python"), ("kafka-python", "confluent"), ("confluent", "confluent")],
)
def test_broker_outage_turns_readiness_false_and_consumption_resumes_quickly(
    input_client: str, output_client: str, restartable_kafka: Any, sentinels: Any
) -> None:
    """Row 8: with the broker stopped, /readyz turns false with the reason after the grace
    (it stayed 200 before), the outage and the recovery are logged, and events produced
    after the broker returns are consumed within 10 s of its return (30-80 s before).
    Row 9, running: SIGTERM during an outage exits within 5 s. With either output client
    (the state records of every batch go through it), and with the confluent input client.
    The outage is a few seconds; should librdkafka's consumer session run out all the same
    (a broker slow to stop, start or answer), the confluent input needs up to one session
    more (the next test), and the bound says so."""
    broker = restartable_kafka
    names = _names("outage")
    from _kafka import create_topic

    for topic in (names["events"], names["dlq"], names["verdicts"]):
        create_topic(broker.bootstrap, topic, 1)
    args = (
        "--broker-grace-seconds",
        "3",
        "--output-client",
        output_client,
        "--input-client",
        input_client,
    )
    sentinel = sentinels(broker.bootstrap, names, *args)
    _produce(broker.bootstrap, names["events"], [_event("exchange", f"a{i}") for i in range(20)])
    sentinel.wait_metrics(lambda s: total(s, READ) >= 20, 60, "the first 20 events")

    away_s, resumed_s = _outage(broker, sentinel, names)
    session_lost = _session_timed_out(sentinel)
    bound_s = 10.0 + (LIBRDKAFKA_SESSION_S if session_lost else 0.0)
    assert resumed_s < bound_s, (
        f"resumed {resumed_s:.1f} s after the broker's return; it was away {away_s:.1f} s "
        f"(stop {broker.stop_seconds:.1f} s, start {broker.start_seconds:.1f} s)"
    )
    sentinel.wait_ready(30)
    events = [line.get("event") for line in sentinel.log_lines()]
    assert "dependency_unreachable" in events and "dependency_recovered" in events

    broker.stop()
    wait_until(lambda: sentinel.get("/readyz").status_code == 503, 30, "/readyz false again")
    started = time.monotonic()
    sentinel.terminate(5.0)
    assert time.monotonic() - started < 5.0
    # the producer is closed, not left to the client's exit hooks (a second each, with a
    # traceback, while the broker is gone)
    assert "Traceback" not in sentinel.proc.log_tail(50)


@pytest.mark.parametrize("input_client", ["kafka-python", "confluent"])
def test_an_outage_longer_than_the_consumer_session(
    input_client: str, restartable_kafka: Any, sentinels: Any
) -> None:
    """A broker away for longer than the consumer's session (6 s here, the broker's
    minimum): kafka-python keeps its group membership and resumes within 10 s of the
    broker's return; librdkafka gives its membership up once the session has passed and
    joins again as a new member, which the restarted broker admits only when the old
    member's session has run out there too: within one session plus 10 s (deploy.md)."""
    broker = restartable_kafka
    names = _names("long-outage")
    from _kafka import create_topic

    for topic in (names["events"], names["dlq"], names["verdicts"]):
        create_topic(broker.bootstrap, topic, 1)
    session_s = 6.0
    args = (
        "--broker-grace-seconds",
        "3",
        "--input-client",
        input_client,
        "--kafka-option",
        f"session_timeout_ms={session_s * 1000:.0f}",
    )
    sentinel = sentinels(broker.bootstrap, names, *args)
    _produce(broker.bootstrap, names["events"], [_event("exchange", f"a{i}") for i in range(20)])
    sentinel.wait_metrics(lambda s: total(s, READ) >= 20, 60, "the first 20 events")

    away_s, resumed_s = _outage(broker, sentinel, names, at_least_s=2 * session_s)
    bound_s = 10.0 + (session_s if input_client == "confluent" else 0.0)
    assert away_s > 2 * session_s
    assert resumed_s < bound_s, f"resumed {resumed_s:.1f} s after the broker's return"
    assert _session_timed_out(sentinel) == (input_client == "confluent")
    sentinel.wait_ready(30)


def test_sigterm_while_the_broker_is_unreachable_at_start_exits_within_5_s(
    tmp_path: Path, sentinels: Any
) -> None:
    """Row 9, start-up: nothing listens at the bootstrap address; sentinel says so in its
    log and /readyz, and SIGTERM ends it within 5 s (ignored for ~30 s before)."""
    names = _names("startup")
    sentinel = sentinels(f"127.0.0.1:{free_port()}", names, wait_ready=False)
    wait_until(
        lambda: "kafka_unreachable_at_start" in [x.get("event") for x in sentinel.log_lines()],
        30,
        "the unreachable log line",
    )
    ready = sentinel.get("/readyz")
    assert ready.status_code == 503 and "connecting" in ready.json()["kafka"]["detail"]
    started = time.monotonic()
    assert sentinel.terminate(5.0) == 0
    assert time.monotonic() - started < 5.0


def test_a_quiet_partition_does_not_stall_evaluation(
    kafka_bootstrap: str, create_topic: Callable[..., None], sentinels: Any
) -> None:
    """One partition gets a request and then nothing while the other stays busy: once the
    broker says nothing is left to read in it, its request times out and evaluation moves
    on (it was pinned at that request's time for good)."""
    names = _names("quiet")
    create_topic(kafka_bootstrap, names["events"], 2)
    for topic in (names["dlq"], names["verdicts"]):
        create_topic(kafka_bootstrap, topic, 1)
    sentinel = sentinels(
        kafka_bootstrap,
        names,
        "--partition-idle-seconds",
        "2",
        "--ttl-seconds",
        "2",
        "--grace-seconds",
        "1",
    )
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all", linger_ms=5)
    try:
        started = datetime.now(UTC)
        producer.send(names["events"], _event("request", "quiet", started), partition=1).get(30)
        deadline = time.monotonic() + 60
        samples: list[Any] = []
        i = 0
        while time.monotonic() < deadline:
            i += 1
            producer.send(names["events"], _event("exchange", f"busy-{i}"), partition=0).get(30)
            samples = parse_metrics(sentinel.get("/metrics").text)
            complete = total(samples, "sentinel_state_complete_until_seconds")
            if complete >= started.timestamp() + 8:
                break
            time.sleep(0.5)
    finally:
        producer.close()
    assert total(samples, "sentinel_state_complete_until_seconds") >= started.timestamp() + 8
    assert total(samples, EXCHANGES, outcome="timeout") == 1

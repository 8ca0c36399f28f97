"""`sentinel run` as a real process against a real Kafka broker (and a real Prometheus):
counts, dead letters, large events, crash and clean shutdown, health endpoints."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from _kafka import MAX_MESSAGE_BYTES
from _procs import wait_until
from _sentinel import (
    SENTINEL_BIN,
    SentinelProc,
    by_label,
    start_sentinel,
    total,
)
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import MemberToRemove
from kafka.structs import TopicPartition

from sentinel.cli.kafka_hooks import INPUT_CLIENTS

BASE_TIME = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
MODEL = "gpt-4.1-mini"  # priced in rules/pricing.yaml

READ = "sentinel_events_read_total"
INVALID = "sentinel_events_invalid_total"
DUPLICATES = "sentinel_events_duplicate_total"
EXCHANGES = "sentinel_exchanges_total"
TOKENS = "sentinel_tokens_total"
FEEDBACK = "sentinel_feedback_total"


# --------------------------------------------------------------------------- events


def _event(
    type_: str, request_id: str, event_id: str, at_s: float = 0.0, **fields: Any
) -> dict[str, Any]:
    """A valid v1 event `at_s` seconds after BASE_TIME."""
    stamp = (BASE_TIME + timedelta(seconds=at_s)).isoformat().replace("+00:00", "Z")
    return {
        "schema": "sentinel.llm.v1",
        "event_id": event_id,
        "type": type_,
        "request_id": request_id,
        "timestamp": stamp,
        "service": "support-bot",
        "model": MODEL,
        **fields,
    }


def _raw(document: Any) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()


def _usage(input_tokens: int, output_tokens: int = 10) -> dict[str, int]:
    return {"input_tokens": input_tokens, "output_tokens": output_tokens}


def _exchange(request_id: str, input_tokens: int, at_s: float = 0.0) -> dict[str, Any]:
    return _event(
        "exchange",
        request_id,
        f"{request_id}-x",
        at_s,
        messages=[{"role": "user", "content": "hello"}],
        output={"content": "hi"},
        usage=_usage(input_tokens),
        latency_ms=420.0,
    )


def _pair(
    request_id: str, input_tokens: int, at_s: float, error: bool = False
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A request event and its response (the response carries usage and status)."""
    request = _event(
        "request", request_id, f"{request_id}-q", at_s, messages=[{"role": "user", "content": "q"}]
    )
    response = _event(
        "response",
        request_id,
        f"{request_id}-r",
        at_s + 1.0,
        usage=_usage(input_tokens),
        latency_ms=1000.0,
        **(
            {"status": "error", "error": {"type": "rate_limit"}}
            if error
            else {"output": {"content": "a"}}
        ),
    )
    return request, response


# ---------------------------------------------------------------------------- Kafka


def _names(prefix: str) -> dict[str, str]:
    suffix = uuid.uuid4().hex[:8]
    return {kind: f"it-{prefix}-{kind}-{suffix}" for kind in ("events", "group", "dlq", "verdicts")}


def _create_topics(
    create_topic: Callable[..., None], bootstrap: str, names: dict[str, str]
) -> None:
    create_topic(bootstrap, names["events"], 3)
    create_topic(bootstrap, names["dlq"], 1)
    create_topic(bootstrap, names["verdicts"], 1)


def _produce(
    bootstrap: str,
    topic: str,
    records: list[tuple[bytes | None, bytes]],
    max_request_size: int = 1024 * 1024,
) -> None:
    """Send (key, value) records with kafka-python and wait until every one is acked."""
    producer = KafkaProducer(
        bootstrap_servers=bootstrap, acks="all", max_request_size=max_request_size
    )
    try:
        futures = [producer.send(topic, value=value, key=key) for key, value in records]
        producer.flush(timeout=60)
        for future in futures:
            future.get(timeout=30)
    finally:
        producer.close()


def _kcat_produce(bootstrap: str, topic: str, records: list[tuple[str, bytes]]) -> None:
    """Send `key:value` lines with `kcat -P -K:` (librdkafka, an independent client)."""
    assert all(b"\n" not in value for _, value in records)
    lines = b"".join(key.encode() + b":" + value + b"\n" for key, value in records)
    subprocess.run(
        ["kcat", "-P", "-b", bootstrap, "-t", topic, "-K:"],
        input=lines,
        capture_output=True,
        timeout=60,
        check=True,
    )


_KCAT_HEAD = re.compile(rb"^KEY=(.*) SIZE=(-?\d+) HEADERS=(.*)$")


def _kcat_consume(bootstrap: str, topic: str) -> list[dict[str, Any]]:
    """Every record of `topic` read with `kcat -C -e`: key, headers and raw value bytes.

    Each record is printed as a header line followed by exactly SIZE value bytes, so binary
    values (newlines included) come back byte for byte.
    """
    out = subprocess.run(
        [
            "kcat",
            "-C",
            "-b",
            bootstrap,
            "-t",
            topic,
            "-o",
            "beginning",
            "-e",
            "-q",
            "-f",
            "KEY=%k SIZE=%S HEADERS=%h\\n%s\\n",
        ],
        capture_output=True,
        timeout=60,
        check=True,
    ).stdout
    records, pos = [], 0
    while pos < len(out):
        end = out.index(b"\n", pos)
        head = _KCAT_HEAD.match(out[pos:end])
        assert head is not None, f"unexpected kcat output: {out[pos : pos + 200]!r}"
        size = int(head.group(2))
        value = out[end + 1 : end + 1 + max(size, 0)]
        # kcat prints headers as name=value,name=value; only sentinel.* names are picked
        # out (a sentinel.detail value may itself hold commas; it is not checked here)
        headers = dict(re.findall(rb"(?:^|,)(sentinel\.[a-z_]+)=([^,]*)", head.group(3)))
        records.append({"key": head.group(1), "headers": headers, "value": value})
        pos = end + 1 + max(size, 0) + 1
    return records


def _dead_letters(bootstrap: str, topic: str, count: int) -> list[dict[str, Any]]:
    """The dead-letter topic read with kcat, polled until it holds `count` records."""

    def probe() -> list[dict[str, Any]] | None:
        records = _kcat_consume(bootstrap, topic)
        return records if len(records) >= count else None

    return wait_until(probe, 20, f"{count} record(s) on {topic}", interval_s=0.5)


def _read_topic(
    bootstrap: str,
    topic: str,
    done: Callable[[list[bytes]], bool],
    timeout_s: float,
) -> list[bytes]:
    """Values of `topic` from the beginning, polled until `done(values)` or the timeout."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        max_partition_fetch_bytes=MAX_MESSAGE_BYTES,
        fetch_max_bytes=MAX_MESSAGE_BYTES,
    )
    values: list[bytes] = []
    try:
        partitions = wait_until(
            lambda: consumer.partitions_for_topic(topic), 20, f"metadata of {topic}"
        )
        consumer.assign([TopicPartition(topic, p) for p in partitions])
        consumer.seek_to_beginning()
        deadline = time.monotonic() + timeout_s
        while not done(values):
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{topic}: condition not met within {timeout_s}s; {len(values)} record(s)"
                )
            for messages in consumer.poll(timeout_ms=200).values():
                values.extend(m.value for m in messages)
    finally:
        consumer.close()
    return values


def _verdict_ids(bootstrap: str, topic: str, expected: set[str], timeout_s: float) -> list[str]:
    """request_ids of every verdict, read until each expected id has arrived."""
    ids: list[str] = []

    def done(values: list[bytes]) -> bool:
        ids.extend(json.loads(v)["request_id"] for v in values[len(ids) :])
        return expected <= set(ids)

    _read_topic(bootstrap, topic, done, timeout_s)
    return ids


def _admin(bootstrap: str) -> KafkaAdminClient:
    return KafkaAdminClient(bootstrap_servers=bootstrap, client_id="sentinel-it-admin")


def _committed_by_partition(bootstrap: str, group: str, topic: str) -> dict[int, int]:
    """The group's committed offset on each of `topic`'s partitions that has one."""
    admin = _admin(bootstrap)
    try:
        offsets = admin.list_group_offsets(group)[group]
    finally:
        admin.close()
    return {
        tp.partition: o.offset for tp, o in offsets.items() if tp.topic == topic and o.offset > 0
    }


def _committed(bootstrap: str, group: str, topic: str) -> int:
    """Sum over `topic`'s partitions of the group's committed offsets (records consumed,
    since every partition starts at offset 0)."""
    return sum(_committed_by_partition(bootstrap, group, topic).values())


def _restored_covered(sentinel: SentinelProc) -> dict[int, int]:
    """Each partition's `covered` offset as the run restored it from the state topic: the
    records below it were counted by an earlier run, and are re-read without being counted."""
    return {
        int(line["partition"]): int(line["covered"])
        for line in sentinel.log_lines()
        if line.get("event") == "partition_state_restored"
    }


def _evict_members(bootstrap: str, group: str) -> None:
    """Remove the group's (dead) members, as their session timeout would, only sooner."""
    admin = _admin(bootstrap)
    try:
        members = admin.describe_groups([group])[group]["members"]
        if members:
            admin.remove_group_members(
                group, [MemberToRemove(member_id=m["member_id"]) for m in members]
            )
    finally:
        admin.close()


def _group_state(bootstrap: str, group: str) -> str:
    admin = _admin(bootstrap)
    try:
        return str(admin.describe_groups([group])[group]["group_state"])
    finally:
        admin.close()


def _hold_group(bootstrap: str, names: dict[str, str]) -> KafkaConsumer:
    """A member of the group that owns every partition, then stops polling: a later member's
    join waits for it (its rebalance timeout is minutes), so the newcomer gets no partitions
    until the holder is closed."""
    holder = KafkaConsumer(
        bootstrap_servers=bootstrap, group_id=names["group"], enable_auto_commit=False
    )

    def assigned() -> bool:
        holder.poll(timeout_ms=100)
        return bool(holder.assignment())

    try:
        # metadata first, so that the holder's first assignment already has the partitions
        wait_until(lambda: holder.partitions_for_topic(names["events"]), 30, "topic metadata")
        holder.subscribe([names["events"]])
        wait_until(assigned, 30, "the holder's assignment")
    except BaseException:
        holder.close()
        raise
    return holder


def _wait_for_join(bootstrap: str, names: dict[str, str], sentinel: SentinelProc) -> None:
    """Until sentinel has asked to join the held group (which now waits for the holder)."""
    wait_until(
        lambda: _group_state(bootstrap, names["group"]) == "PreparingRebalance",
        30,
        "sentinel to join the group",
    )
    assert not any(
        line.get("event") == "partitions_assigned" and line["partitions"]
        for line in sentinel.log_lines()
    )


def _events_at_exit(sentinel: SentinelProc) -> int:
    """Events read over the whole run, from the `stopped` log line written at exit."""
    for line in sentinel.log_lines():
        if line.get("event") == "stopped":
            return int(line["events"])
    raise AssertionError(f"no `stopped` log line\nlog:\n{sentinel.proc.log_tail(30)}")


# -------------------------------------------------------------------------- fixtures


@pytest.fixture
def run_sentinel(kafka_bootstrap: str, tmp_path: Path) -> Iterator[Callable[..., SentinelProc]]:
    """`run_sentinel(names, *extra_args, wait_ready=True)`; every process is stopped after
    the test."""
    started: list[SentinelProc] = []

    def start(names: dict[str, str], *extra_args: str, wait_ready: bool = True) -> SentinelProc:
        sentinel = start_sentinel(
            tmp_path,
            kafka_bootstrap,
            names["events"],
            names["group"],
            names["dlq"],
            names["verdicts"],
            extra_args,
            wait_ready=wait_ready,
        )
        started.append(sentinel)
        return sentinel

    yield start
    for sentinel in started:
        sentinel.stop()


# ----------------------------------------------------------------------------- tests


def test_counts_events_from_two_clients_and_dead_letters_malformed_ones(
    kafka_bootstrap, create_topic, run_sentinel
):
    """Events from kafka-python and kcat are counted exactly; malformed ones are dead letters."""
    names = _names("counts")
    _create_topics(create_topic, kafka_bootstrap, names)
    sentinel = run_sentinel(names)

    kp_records: list[tuple[bytes | None, bytes]] = []
    kcat_records: list[tuple[str, bytes]] = []
    outcomes: Counter[str] = Counter()
    input_tokens = 0

    for i in range(12):  # request + response pairs, two of them failed
        rid, tokens, failed = f"kp-pair-{i}", 100 + i, i in (3, 7)
        for document in _pair(rid, tokens, at_s=i, error=failed):
            kp_records.append((rid.encode(), _raw(document)))
        outcomes["error" if failed else "ok"] += 1
        input_tokens += tokens
    for i in range(6):  # single exchange events
        rid, tokens = f"kp-exchange-{i}", 1000 + i
        kp_records.append((rid.encode(), _raw(_exchange(rid, tokens, at_s=i))))
        outcomes["ok"] += 1
        input_tokens += tokens
    # the same event again (same event_id): dropped as a duplicate
    kp_records.append((b"kp-exchange-0", _raw(_exchange("kp-exchange-0", 1000, at_s=0))))
    feedback = _event("feedback", "kp-pair-0", "kp-feedback-0", 30, feedback={"rating": 2})
    kp_records.append((b"kp-pair-0", _raw(feedback)))
    # a request an hour older than the rest, never answered: a timeout (TTL 300 s)
    stale = _event("request", "kp-stale", "kp-stale-q", -3600)
    kp_records.append((b"kp-stale", _raw(stale)))
    outcomes["timeout"] += 1

    malformed: dict[bytes, str] = {
        b"{not json": "bad_json",
        b"\xff\xfe\x00binary\nwith a newline": "bad_json",
        b"[1,2,3]": "not_an_object",
        _raw({**_exchange("kp-v0", 5), "schema": "sentinel.llm.v0"}): "unknown_schema",
        _raw({k: v for k, v in _exchange("kp-noid", 5).items() if k != "request_id"}): (
            "missing_field"
        ),
        _raw({**_exchange("kp-neg", 5), "usage": {"input_tokens": -5}}): "invalid_field",
    }
    for n, value in enumerate(malformed):
        kp_records.append((None if n == 0 else f"bad-{n}".encode(), value))

    for i in range(5):  # kcat: pairs and one exchange, keyed by request_id
        rid, tokens = f"kcat-pair-{i}", 10_000 + i
        for document in _pair(rid, tokens, at_s=40 + i):
            kcat_records.append((rid, _raw(document)))
        outcomes["ok"] += 1
        input_tokens += tokens
    kcat_records.append(("kcat-exchange-0", _raw(_exchange("kcat-exchange-0", 77_777, 50))))
    outcomes["ok"] += 1
    input_tokens += 77_777
    kcat_malformed = b'{"schema":"sentinel.llm.v1","event_id":'
    kcat_records.append(("kcat-bad", kcat_malformed))
    malformed[kcat_malformed] = "bad_json"

    _produce(kafka_bootstrap, names["events"], kp_records)
    _kcat_produce(kafka_bootstrap, names["events"], kcat_records)
    produced = len(kp_records) + len(kcat_records)
    expected_exchanges = sum(outcomes.values())

    samples = sentinel.wait_metrics(
        lambda s: total(s, READ) >= produced and total(s, EXCHANGES) >= expected_exchanges,
        timeout_s=30,
        what=f"{produced} events read and {expected_exchanges} exchanges",
    )
    assert total(samples, READ) == produced
    assert by_label(samples, EXCHANGES, "outcome") == dict(outcomes)
    assert total(samples, TOKENS, kind="input") == input_tokens
    assert by_label(samples, INVALID, "reason") == dict(Counter(malformed.values()))
    assert total(samples, DUPLICATES) == 1
    assert total(samples, FEEDBACK, kind="rating") == 1

    dead = _dead_letters(kafka_bootstrap, names["dlq"], len(malformed))
    assert len(dead) == len(malformed)
    got = {d["value"]: d for d in dead}
    assert set(got) == set(malformed)  # raw bytes, unchanged
    for value, reason in malformed.items():
        headers = got[value]["headers"]
        assert headers[b"sentinel.reason"].decode() == reason, value
        assert headers[b"sentinel.size_bytes"] == str(len(value)).encode()
        assert headers[b"sentinel.source"].startswith(names["events"].encode() + b":")
    assert got[b"{not json"]["key"] == b""  # produced without a key
    assert got[kcat_malformed]["key"] == b"kcat-bad"

    # `run` emits verdicts for flagged exchanges by default: the errors and the timeout
    flagged = {"kp-pair-3", "kp-pair-7", "kp-stale"}
    assert sorted(_verdict_ids(kafka_bootstrap, names["verdicts"], flagged, 20)) == sorted(flagged)


def test_prometheus_scrapes_sentinel_token_and_exchange_totals(
    kafka_bootstrap, create_topic, run_sentinel, prometheus_factory
):
    """A real Prometheus scraping sentinel answers PromQL sums of tokens and exchanges."""
    names = _names("prom")
    _create_topics(create_topic, kafka_bootstrap, names)
    sentinel = run_sentinel(names)
    prom = prometheus_factory([f"127.0.0.1:{sentinel.port}"])  # first scrape takes seconds

    records: list[tuple[bytes | None, bytes]] = []
    for i in range(8):
        rid = f"prom-exchange-{i}"
        records.append((rid.encode(), _raw(_exchange(rid, 1_000 * (i + 1), at_s=i))))
    for i in range(3):
        rid = f"prom-pair-{i}"
        for document in _pair(rid, 500, at_s=10 + i, error=True):
            records.append((rid.encode(), _raw(document)))
    _produce(kafka_bootstrap, names["events"], records)
    expected_input = sum(1_000 * (i + 1) for i in range(8)) + 3 * 500

    def value_is(expected: float) -> Callable[[list[dict[str, Any]]], bool]:
        return lambda r: len(r) == 1 and float(r[0]["value"][1]) == expected

    prom.wait_for('up{job="sentinel"}', value_is(1), timeout_s=30)
    prom.wait_for('sum(sentinel_tokens_total{kind="input"})', value_is(expected_input), 30)
    result = prom.wait_for(
        "sum by (outcome) (sentinel_exchanges_total) > 0",
        lambda r: (
            {x["metric"]["outcome"]: float(x["value"][1]) for x in r} == {"ok": 8, "error": 3}
        ),
        timeout_s=30,
    )
    assert {x["metric"]["outcome"]: x["value"][1] for x in result} == {"ok": "8", "error": "3"}


def test_five_megabyte_event_is_counted(kafka_bootstrap, create_topic, run_sentinel):
    """A 5 MB exchange (a large retrieved context) is read, accounted and gets a verdict."""
    names = _names("big")
    _create_topics(create_topic, kafka_bootstrap, names)
    sentinel = run_sentinel(names, "--verdicts", "all")

    chunk = "lorem ipsum dolor sit amet " * 4_000  # ~108 KB
    document = _exchange("big-0", 1_300_000)
    document["context"] = [{"id": f"doc-{i}", "text": chunk} for i in range(48)]
    value = _raw(document)
    assert 5_000_000 < len(value) < 6_000_000
    _produce(kafka_bootstrap, names["events"], [(b"big-0", value)], MAX_MESSAGE_BYTES)

    samples = sentinel.wait_metrics(
        lambda s: total(s, READ) >= 1 and total(s, EXCHANGES) >= 1, 30, "the large exchange"
    )
    assert total(samples, READ) == 1
    assert by_label(samples, EXCHANGES, "outcome") == {"ok": 1}
    assert total(samples, TOKENS, kind="input") == 1_300_000
    assert total(samples, INVALID) == 0
    verdicts = _read_topic(kafka_bootstrap, names["verdicts"], lambda vs: len(vs) >= 1, 20)
    verdict = json.loads(verdicts[0])
    assert verdict["request_id"] == "big-0" and verdict["tokens"]["input"] == 1_300_000


def test_event_over_max_event_bytes_is_dead_lettered_as_oversized(
    kafka_bootstrap, create_topic, run_sentinel
):
    """A 2 MB event over --max-event-bytes 1000000 is an `oversized` dead letter; others pass."""
    names = _names("oversized")
    _create_topics(create_topic, kafka_bootstrap, names)
    sentinel = run_sentinel(names, "--max-event-bytes", "1000000")

    document = _exchange("huge-0", 500_000)
    document["context"] = [{"id": "doc", "text": "x" * 2_000_000}]
    big = _raw(document)
    small = _raw(_exchange("huge-1", 42, at_s=1))
    # same key: same partition, so the small event comes after the big one
    _produce(
        kafka_bootstrap,
        names["events"],
        [(b"huge", big), (b"huge", small)],
        MAX_MESSAGE_BYTES,
    )

    samples = sentinel.wait_metrics(
        lambda s: total(s, READ) >= 2 and total(s, EXCHANGES) >= 1,
        timeout_s=30,
        what="both events read",
    )
    assert by_label(samples, INVALID, "reason") == {"oversized": 1}
    assert by_label(samples, EXCHANGES, "outcome") == {"ok": 1}
    assert total(samples, TOKENS, kind="input") == 42

    dead = _dead_letters(kafka_bootstrap, names["dlq"], 1)
    assert len(dead) == 1
    assert dead[0]["headers"][b"sentinel.reason"] == b"oversized"
    assert dead[0]["headers"][b"sentinel.size_bytes"] == str(len(big)).encode()
    assert hashlib.sha256(dead[0]["value"]).digest() == hashlib.sha256(big).digest()
    assert sentinel.returncode is None


@pytest.mark.parametrize("client", INPUT_CLIENTS)
def test_crash_and_restart_loses_nothing(
    client, kafka_bootstrap, create_topic, run_sentinel, capsys
):
    """After kill -9 mid-stream and a restart, every event has a verdict (at least once),
    with either input client."""
    names = _names(f"crash-{client}")
    _create_topics(create_topic, kafka_bootstrap, names)
    total_events, half = 3_000, 1_500
    ids = [f"crash-{i}" for i in range(total_events)]

    def records(part: list[str]) -> list[tuple[bytes | None, bytes]]:
        return [
            (rid.encode(), _raw(_exchange(rid, 10, at_s=i / 100))) for i, rid in enumerate(part)
        ]

    _produce(kafka_bootstrap, names["events"], records(ids[:half]))
    first = run_sentinel(names, "--verdicts", "all", "--input-client", client)
    seen = total(
        first.wait_metrics(lambda s: total(s, READ) > 0, timeout_s=30, what="some events read"),
        READ,
    )
    first.kill()
    assert 0 < seen < total_events
    # The killed member stays in the group until its session times out (45 s by default in
    # kafka-python); the restart would wait for that. Remove it now instead.
    _evict_members(kafka_bootstrap, names["group"])
    committed = _committed_by_partition(kafka_bootstrap, names["group"], names["events"])
    assert sum(committed.values()) <= half

    _produce(kafka_bootstrap, names["events"], records(ids[half:]))
    second = run_sentinel(names, "--verdicts", "all", "--input-client", client)
    verdict_ids = _verdict_ids(kafka_bootstrap, names["verdicts"], set(ids), timeout_s=30)
    # Every id has a verdict once the second run passes the first run's last verdict on each
    # partition, so it has restored every partition's state by now. It reads from the commit;
    # the records below the state's `covered` offset (the first run may have published its
    # state and died before it committed) are re-read uncounted.
    covered = _restored_covered(second)
    assert all(covered.get(p, 0) >= offset for p, offset in committed.items()), (covered, committed)
    counted_before = sum(covered.values())
    assert counted_before <= half
    second.wait_metrics(
        lambda s: total(s, READ) >= total_events - counted_before, 30, "the uncounted events"
    )
    assert second.terminate(timeout_s=10) == 0

    assert set(verdict_ids) == set(ids)  # nothing lost
    duplicates = Counter(verdict_ids) - Counter(set(verdict_ids))
    assert set(duplicates) <= set(ids[:half])  # only work the first process did
    assert sum(duplicates.values()) <= half - counted_before
    # the restart counts exactly what the first run's state had not
    assert _events_at_exit(second) == total_events - counted_before
    with capsys.disabled():
        print(
            f"\n[crash test, {client}: first run read >= {seen:.0f}, committed "
            f"{sum(committed.values())}, its state covered {counted_before}; "
            f"{len(verdict_ids)} verdicts for {total_events} events, "
            f"{sum(duplicates.values())} duplicate(s)]"
        )


@pytest.mark.parametrize("client", INPUT_CLIENTS)
def test_sigterm_commits_what_was_read_and_exits_zero(
    client, kafka_bootstrap, create_topic, run_sentinel
):
    """SIGTERM exits 0 promptly with exactly the events read committed; a restart reads the
    rest (either input client)."""
    names = _names(f"sigterm-{client}")
    _create_topics(create_topic, kafka_bootstrap, names)
    total_events = 6_000  # a backlog: every poll returns a full batch (1,000)
    _produce(
        kafka_bootstrap,
        names["events"],
        [
            (f"term-{i}".encode(), _raw(_exchange(f"term-{i}", 10, i / 1000)))
            for i in range(total_events)
        ],
    )
    # No verdicts: processing, not output, fills each batch, so the signal lands while a
    # batch is in flight; that batch must still be committed.
    first = run_sentinel(names, "--verdicts", "off", "--input-client", client)
    first.wait_metrics(lambda s: total(s, READ) >= 2_000, timeout_s=30, what="events flowing")
    assert first.terminate(timeout_s=5) == 0

    read_first = _events_at_exit(first)
    assert 2_000 <= read_first <= total_events
    assert _committed(kafka_bootstrap, names["group"], names["events"]) == read_first

    second = run_sentinel(names, "--verdicts", "off", "--input-client", client)
    second.wait_metrics(
        lambda s: total(s, READ) >= total_events - read_first, 30, "the rest of the backlog"
    )
    assert second.terminate(timeout_s=5) == 0
    assert _events_at_exit(second) == total_events - read_first
    assert _committed(kafka_bootstrap, names["group"], names["events"]) == total_events


def test_healthz_and_readyz_return_200_when_running(kafka_bootstrap, create_topic, run_sentinel):
    """/healthz and /readyz return 200 with their checks once sentinel consumes."""
    names = _names("health")
    _create_topics(create_topic, kafka_bootstrap, names)
    sentinel = run_sentinel(names)
    _produce(kafka_bootstrap, names["events"], [(b"h-0", _raw(_exchange("h-0", 1)))])
    sentinel.wait_metrics(lambda s: total(s, EXCHANGES) >= 1, 30, "the exchange")

    healthz, readyz = sentinel.get("/healthz"), sentinel.get("/readyz")
    assert healthz.status_code == 200 and healthz.json()["ok"] is True
    assert readyz.status_code == 200
    checks = readyz.json()
    assert checks.pop("ok") is True
    critical = {name: c for name, c in checks.items() if c.get("critical", True)}
    assert "kafka" in critical and all(c["ok"] for c in critical.values()), checks
    assert sentinel.get("/nope").status_code == 404


def test_readyz_is_503_until_partitions_are_assigned(kafka_bootstrap, create_topic, run_sentinel):
    """/readyz stays 503 while the group has not assigned sentinel its partitions."""
    names = _names("ready")
    _create_topics(create_topic, kafka_bootstrap, names)
    holder = _hold_group(kafka_bootstrap, names)
    try:
        sentinel = run_sentinel(names, wait_ready=False)
        _wait_for_join(kafka_bootstrap, names, sentinel)
        assert sentinel.get("/readyz").status_code == 503
    finally:
        holder.close()
    sentinel.wait_ready(30)
    assert sentinel.get("/healthz").status_code == 200


def test_sigterm_while_waiting_for_partitions_exits_promptly(
    kafka_bootstrap, create_topic, run_sentinel
):
    """SIGTERM during a rebalance that has not assigned sentinel anything exits 0 within 5 s."""
    names = _names("term-join")
    _create_topics(create_topic, kafka_bootstrap, names)
    holder = _hold_group(kafka_bootstrap, names)
    try:
        sentinel = run_sentinel(names, wait_ready=False)
        _wait_for_join(kafka_bootstrap, names, sentinel)
        assert sentinel.terminate(timeout_s=5) == 0
    finally:
        holder.close()


def test_bad_rules_exit_3_naming_file_and_field(tmp_path):
    """A bad rules file makes `sentinel run` exit 3 naming file and field, before any broker."""
    rules = tmp_path / "rules"
    rules.mkdir()
    bad = rules / "pricing.yaml"
    bad.write_text(
        "version: sentinel/v1\nkind: pricing\nmodels:\n  - {model: a, input: cheap, output: 1}\n"
    )
    # nothing listens on port 9 (discard): the rules must fail before any connection
    result = subprocess.run(
        [SENTINEL_BIN, "run", "--bootstrap-servers", "127.0.0.1:9", "--rules", str(rules)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 3, result.stderr
    assert f"{bad}: models[0].input: Input should be a valid number" in result.stderr

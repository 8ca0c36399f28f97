"""Replicas share one global view: three `sentinel run` processes in one consumer group on a
six-partition topic, scaled from 1 to 3 and back, one killed (SIGKILL) and one stopped
(SIGTERM) mid-stream, with a real Alertmanager.

The traffic is an hour of a canary rollout that degrades half-way plus a checkout service
failing 40 % of the time for a quarter of an hour, as request and response events with
each response 500 messages behind its request (so every stop leaves requests waiting).
At the end, every replica's Argo gate must count exactly the topic's exchanges, each SLO
must have raised one alert, every request must have one complete verdict (no orphan, no
timeout), and `sentinel replay` of the topic must decide what the live replicas decided.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from _alertmanager import AlertmanagerHandle, WebhookSink, start_alertmanager
from _procs import free_port, wait_until
from _sentinel import RULES_DIR, SENTINEL_BIN, SentinelProc, start_sentinel
from _traffic import BASE_TS, CONTEXT, GROUNDED_ANSWER, HALLUCINATED_ANSWER, stamp
from kafka import KafkaConsumer, KafkaProducer
from kafka.structs import TopicPartition

from sentinel.cli.kafka_hooks import INPUT_CLIENTS

PARTITIONS = 6
MINUTES = 60
DEGRADED_FROM = 30  # minute the canary starts citing unsupported sources
FAILING = range(10, 25)  # minutes checkout-api fails 40 % of its exchanges
RESPONSE_LAG = 500  # messages between a request and its response
TTL_S = 3600  # event seconds a request waits (its response comes ~11 minutes later)
TICK_S = 30
MIN_SAMPLES = 100
WAIT_S = 60.0
SLO_ALERT = "SentinelSLOBurnRate"


# ------------------------------------------------------------------------------ traffic


def _pair(
    rid: str, ts: float, service: str, variant: str | None, **out: Any
) -> list[dict[str, Any]]:
    base = {"schema": "sentinel.llm.v1", "request_id": rid, "service": service}
    if variant is not None:
        base["variant"] = variant
    request = {
        **base,
        "event_id": f"{rid}-q",
        "type": "request",
        "timestamp": stamp(ts),
        "model": "gpt-4.1-mini",
        "messages": [{"role": "user", "content": "how do i reset my password?"}],
        "context": CONTEXT,
    }
    response = {
        **base,
        "event_id": f"{rid}-r",
        "type": "response",
        "timestamp": stamp(ts + 0.8),
        "model": "gpt-4.1-mini",
        "usage": {"input_tokens": 120, "output_tokens": 40},
        "latency_ms": 800.0,
        **out,
    }
    return [request, response]


def traffic() -> tuple[list[dict[str, Any]], dict[str, dict[str, int]]]:
    """Events in produce order, and the topic's totals per variant: exchanges and
    hallucinated answers of support-bot."""
    pairs: list[tuple[float, list[dict[str, Any]]]] = []
    totals = {v: {"total": 0, "bad": 0} for v in ("baseline", "canary")}
    for minute in range(MINUTES):
        for slot in range(6):
            for variant in ("baseline", "canary"):
                ts = BASE_TS + minute * 60 + slot * 9 + (0.5 if variant == "canary" else 0.0)
                every = 5 if variant == "canary" and minute >= DEGRADED_FROM else 50
                n = totals[variant]["total"]
                wrong = n % every == every - 1
                answer = HALLUCINATED_ANSWER if wrong else GROUNDED_ANSWER
                rid = f"sb-{variant}-{n:05d}"
                out = {"output": {"content": answer, "finish_reason": "stop"}}
                pairs.append((ts, _pair(rid, ts, "support-bot", variant, **out)))
                totals[variant]["total"] += 1
                totals[variant]["bad"] += wrong
        for slot in range(10):
            ts = BASE_TS + minute * 60 + slot * 5.5 + 0.2
            failing = minute in FAILING and slot in (1, 3, 6, 8)
            out = (
                {"status": "error", "error": {"type": "rate_limit"}}
                if failing
                else {"output": {"content": "it ships soon.", "finish_reason": "stop"}}
            )
            rid = f"co-{minute:02d}-{slot}"
            pairs.append((ts, _pair(rid, ts, "checkout-api", None, **out)))
    pairs.sort(key=lambda p: p[0])
    requests = [p[1][0] for p in pairs]
    responses = [p[1][1] for p in pairs]
    events: list[dict[str, Any]] = []
    for i, request in enumerate(requests):
        events.append(request)
        if i >= RESPONSE_LAG:
            events.append(responses[i - RESPONSE_LAG])
    events.extend(responses[len(requests) - RESPONSE_LAG :])
    return events, totals


def encode(event: dict[str, Any]) -> bytes:
    return json.dumps(event, separators=(",", ":")).encode()


def produce(bootstrap: str, topic: str, events: list[dict[str, Any]]) -> None:
    producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        linger_ms=5,
        max_in_flight_requests_per_connection=1,
    )
    try:
        for event in events:
            partition = event.pop("_partition", None)
            producer.send(
                topic, value=encode(event), key=event["request_id"].encode(), partition=partition
            )
        producer.flush(timeout=60)
    finally:
        producer.close()


def fillers(minute: float) -> list[dict[str, Any]]:
    """One exchange per partition at `minute`: every partition's event time moves past
    the last minute of traffic, so the global view completes it."""
    return [
        {
            "schema": "sentinel.llm.v1",
            "event_id": f"fill-{p}",
            "type": "exchange",
            "request_id": f"fill-{p}",
            "timestamp": stamp(BASE_TS + minute * 60),
            "service": "filler",
            "model": "gpt-4.1-mini",
            "output": {"content": "ok", "finish_reason": "stop"},
            "_partition": p,
        }
        for p in range(PARTITIONS)
    ]


# -------------------------------------------------------------------------------- rules


def write_rules(directory: Path, hooks_url: str, alertmanager_url: str) -> Path:
    shutil.copytree(RULES_DIR, directory)

    def write(name: str, document: dict[str, Any]) -> None:
        (directory / name).write_text(
            yaml.safe_dump({"version": "sentinel/v1", **document}, sort_keys=False)
        )

    write(
        "rollback.yaml",
        {
            "kind": "rollback",
            "enabled": True,
            "dry_run": False,
            "alpha": 0.01,
            "evaluate_every_seconds": 5,
            "cooldown_seconds": 1800,
            "reset_after_idle_seconds": 900,
            "gates": [
                {
                    "name": "hallucination",
                    "sli": {"kind": "hallucination"},
                    "min_samples_per_variant": MIN_SAMPLES,
                    "max_degradation": {"relative": 0.25, "absolute": 0.005},
                    "mixture_sd": 0.02,
                },
                {
                    "name": "errors",
                    "sli": {"kind": "errors"},
                    "min_samples_per_variant": MIN_SAMPLES,
                    "max_degradation": {"absolute": 0.01},
                },
            ],
            "slo_burn": {"enabled": True, "slos": []},
            "actions": {"webhook": {"url": f"{hooks_url}/rollback", "max_attempts": 5}},
            "scope": {"service": ["support-bot"]},
        },
    )
    write(
        "slos.yaml",
        {
            "kind": "slos",
            "evaluation_interval_seconds": TICK_S,
            "keep_firing_for_seconds": 600,
            "slos": [
                {
                    "name": "checkout-errors",
                    "sli": {"kind": "errors"},
                    "objective": 0.99,
                    "by": ["service"],
                    "match": {"service": ["checkout-api"]},
                },
                {
                    "name": "support-hallucination",
                    "sli": {"kind": "hallucination"},
                    "objective": 0.99,
                    "by": ["service", "variant"],
                    "match": {"service": ["support-bot"], "variant": ["canary"]},
                },
            ],
        },
    )
    write("spend_guard.yaml", {"kind": "spend_guard", "guards": []})
    write(
        "alerting.yaml",
        {
            "kind": "alerting",
            "alertmanager": [{"url": alertmanager_url}],
            "webhooks": [{"url": f"{hooks_url}/alerts"}],
            "resend_interval_seconds": 5,
            "resolved_resend_seconds": 30,
            "request_timeout_seconds": 5,
            "retry": {"initial_seconds": 0.2, "max_seconds": 1, "multiplier": 2},
        },
    )
    return directory


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture
def alertmanager(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AlertmanagerHandle]:
    """A real Alertmanager per test (its own notifications are not needed here): each
    input client's run counts only its own alerts."""
    workdir = tmp_path_factory.mktemp("alertmanager-replicas")
    config = workdir / "am.yml"
    config.write_text(
        json.dumps(
            {
                "route": {"receiver": "null", "group_wait": "1s", "group_interval": "1s"},
                "receivers": [{"name": "null"}],
            }
        )
    )
    try:
        handle = start_alertmanager(workdir, config, free_port())
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)
    try:
        yield handle
    finally:
        handle.stop()


class Group:
    """`sentinel run` replicas of one consumer group, started and stopped by name."""

    def __init__(
        self,
        workdir: Path,
        bootstrap: str,
        topics: dict[str, str],
        rules: Path,
        input_client: str = "kafka-python",
    ) -> None:
        self.workdir, self.bootstrap, self.topics, self.rules = workdir, bootstrap, topics, rules
        self.input_client = input_client
        self.live: dict[str, SentinelProc] = {}
        self.all: list[SentinelProc] = []

    def start(self, name: str) -> SentinelProc:
        proc = start_sentinel(
            self.workdir,
            self.bootstrap,
            self.topics["events"],
            self.topics["group"],
            self.topics["dlq"],
            self.topics["verdicts"],
            extra_args=[
                "--rules",
                str(self.rules),
                "--verdicts",
                "all",
                "--state-topic",
                self.topics["state"],
                "--ttl-seconds",
                str(TTL_S),
                # A killed replica leaves the group after 6 s (the broker's minimum), not 45.
                "--kafka-option",
                "session_timeout_ms=6000",
                "--kafka-option",
                "heartbeat_interval_ms=1000",
                "--input-client",
                self.input_client,
            ],
            name=name,
        )
        self.live[name] = proc
        self.all.append(proc)
        return proc

    def argo(self, name: str) -> dict[str, Any]:
        resp = self.live[name].get("/gates/argo?variant=canary")
        assert resp.status_code == 200, resp.text
        return dict(resp.json())

    def wait_evaluated(self, tick: float) -> None:
        """Every live replica's global view has evaluated up to event time `tick`."""
        for name in self.live:
            try:
                wait_until(
                    lambda n=name: (self.argo(n).get("evaluated_at") or 0) >= tick,  # type: ignore[misc]
                    WAIT_S,
                    f"{name} to evaluate up to {tick}",
                )
            except TimeoutError as e:
                lows = {
                    labels.get("partition", "all"): value
                    for metric, labels, value in self.live[name].metrics()
                    if metric.startswith("sentinel_state_")
                }
                raise AssertionError(f"{e}; global view: {lows}") from None

    def stop_all(self) -> None:
        for proc in self.all:
            proc.stop()


def oldest_waiting(events: list[dict[str, Any]]) -> float:
    """Event time of the oldest request in `events` whose response is not in them."""
    answered = {e["request_id"] for e in events if e["type"] == "response"}
    waiting = [e for e in events if e["type"] == "request" and e["request_id"] not in answered]
    return min(_ts(e) for e in waiting)


def _ts(event: dict[str, Any]) -> float:
    from datetime import datetime

    return datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00")).timestamp()


def complete_tick(event_time: float) -> float:
    """The last tick the global view can evaluate when `event_time` bounds it."""
    return math.floor(event_time / 60) * 60 - TICK_S


def read_verdicts(bootstrap: str, topic: str, expected: int) -> list[dict[str, Any]]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    values: list[dict[str, Any]] = []
    try:
        partitions = wait_until(lambda: consumer.partitions_for_topic(topic), 20, "verdicts")
        consumer.assign([TopicPartition(topic, p) for p in partitions])
        consumer.seek_to_beginning()
        idle = 0
        while len(values) < expected or idle < 3:
            got = consumer.poll(timeout_ms=500)
            idle = 0 if got else idle + 1
            values.extend(json.loads(m.value) for ms in got.values() for m in ms)
            if idle > 40:
                break
    finally:
        consumer.close()
    return values


# --------------------------------------------------------------------------------- test


@pytest.mark.parametrize("client", INPUT_CLIENTS)
def test_replicas_share_one_view_through_kills_and_scaling(
    client: str,
    kafka_bootstrap: str,
    create_topic: Callable[..., None],
    tmp_path: Path,
    hooks: WebhookSink,
    alertmanager: AlertmanagerHandle,
) -> None:
    """1→3→1→3 replicas with a SIGKILL and SIGTERMs mid-stream: every replica's gate counts
    the topic exactly, one alert per SLO, no orphan or lost prompt, replay = live; with
    either input client."""
    suffix = uuid.uuid4().hex[:8]
    topics = {k: f"it-rep-{k}-{suffix}" for k in ("events", "group", "dlq", "verdicts", "state")}
    create_topic(kafka_bootstrap, topics["events"], PARTITIONS)
    for kind in ("dlq", "verdicts"):
        create_topic(kafka_bootstrap, topics[kind], 1)
    rules = write_rules(tmp_path / "rules", hooks.url, alertmanager.url)
    # The receiver serves the whole module: this run's calls are the ones after this mark
    # (the other input client's run posts the same decision ids).
    mark = len(hooks.received)

    def received() -> list[dict[str, Any]]:
        return hooks.received[mark:]

    events, totals = traffic()
    exchanges = len(events) // 2
    chunks = [events[i * len(events) // 4 : (i + 1) * len(events) // 4] for i in range(4)]
    group = Group(tmp_path, kafka_bootstrap, topics, rules, input_client=client)
    seen: list[dict[str, Any]] = []
    try:
        group.start("r1")  # one replica
        produce(kafka_bootstrap, topics["events"], [dict(e) for e in chunks[0]])
        seen += chunks[0]
        group.wait_evaluated(complete_tick(oldest_waiting(seen)))

        group.start("r2")  # scale to three
        group.start("r3")
        produce(kafka_bootstrap, topics["events"], [dict(e) for e in chunks[1]])
        seen += chunks[1]
        group.wait_evaluated(complete_tick(oldest_waiting(seen)))

        produce(kafka_bootstrap, topics["events"], [dict(e) for e in chunks[2]])
        group.live.pop("r2").kill()  # a crash mid-stream
        group.start("r2b")
        seen += chunks[2]
        group.wait_evaluated(complete_tick(oldest_waiting(seen)))

        produce(kafka_bootstrap, topics["events"], [dict(e) for e in chunks[3]])
        # A rolling deploy, and back to one. Exit 0, or 4 when SIGTERM came while a flush
        # waited for the broker (the batch is then neither accepted nor committed).
        assert group.live.pop("r3").terminate(30) in (0, 4)
        assert group.live.pop("r2b").terminate(30) in (0, 4)
        produce(kafka_bootstrap, topics["events"], fillers(MINUTES + 2))
        last_tick = complete_tick(BASE_TS + (MINUTES + 2) * 60)
        group.wait_evaluated(last_tick)

        group.start("r4")  # scale to three again: new replicas catch up from the state topic
        group.start("r5")
        group.wait_evaluated(last_tick)

        # Every replica's gate counts equal the topic's totals.
        expected_gates = {
            "hallucination": (
                totals["canary"]["bad"],
                totals["canary"]["total"],
                totals["baseline"]["bad"],
                totals["baseline"]["total"],
            ),
            "errors": (0, totals["canary"]["total"], 0, totals["baseline"]["total"]),
        }
        views = {}
        for name in group.live:
            argo = group.argo(name)
            views[name] = argo
            counted = {
                g["name"]: (
                    g["canary"]["bad"],
                    g["canary"]["total"],
                    g["baseline"]["bad"],
                    g["baseline"]["total"],
                )
                for g in argo["gates"]
            }
            assert counted == expected_gates, f"{name}: {counted}"
            assert argo["healthy"] is False and argo["decision"] is not None
            # ...and so do the SLOs' event counts: nothing counted twice, nothing lost.
            slo_events = {
                (labels["slo"], labels["result"]): value
                for metric, labels, value in group.live[name].metrics()
                if metric == "sentinel_slo_events_total"
            }
            failing = len(FAILING) * 4
            assert slo_events[("checkout-errors", "bad")] == failing, (name, slo_events)
            assert slo_events[("checkout-errors", "good")] == MINUTES * 10 - failing
            assert slo_events[("support-hallucination", "bad")] == totals["canary"]["bad"]
        decisions = {json.dumps(v["decision"], sort_keys=True) for v in views.values()}
        assert len(decisions) == 1, decisions  # the same latest decision on every replica

        # One alert per SLO, raised once: Alertmanager holds one per SLO, and the alert
        # webhook saw a single start for each (no re-page, no copy per replica).
        def am_slos() -> Counter[tuple[str, str]]:
            return Counter(
                (a["labels"]["slo"], a["labels"]["severity"])
                for a in alertmanager.alerts()
                if a["labels"].get("alertname") == SLO_ALERT
            )

        def both_slos() -> Counter[tuple[str, str]] | None:
            found = am_slos()
            slos = {slo for slo, _ in found}
            return found if slos == {"checkout-errors", "support-hallucination"} else None

        held = wait_until(both_slos, WAIT_S, "the SLO alerts in Alertmanager")
        assert set(held.values()) == {1}, held  # one alert per SLO and severity
        starts = {
            (n["alert"]["labels"]["slo"], n["alert"]["severity"], n["alert"]["starts_at"])
            for n in received()
            if n.get("path") == "/alerts" and n["alert"]["name"] == SLO_ALERT
        }
        once = Counter((slo, severity) for slo, severity, _ in starts)
        assert set(once) == set(held) and set(once.values()) == {1}, starts

        # No orphan, no lost prompt: every request has a complete verdict.
        verdicts = read_verdicts(kafka_bootstrap, topics["verdicts"], exchanges + PARTITIONS)
        kinds = Counter(v["kind"] for v in verdicts)
        assert kinds["orphan_response"] == 0 and kinds["timeout"] == 0, kinds
        complete = {v["request_id"] for v in verdicts if v["kind"] == "complete"}
        wanted = {e["request_id"] for e in events} | {f"fill-{p}" for p in range(PARTITIONS)}
        assert complete == wanted, f"missing {len(wanted - complete)}"
        repeats = sum(Counter(v["request_id"] for v in verdicts).values()) - len(complete)
        print(
            f"\n[replicas: {len(verdicts)} verdicts for {len(wanted)} exchanges; "
            f"{repeats} re-emitted after the SIGKILL]"
        )
        assert repeats <= 1000  # at most the batch in flight when the replica was killed

        # A replay of the topic decides what the live replicas decided.
        jsonl = tmp_path / "topic.jsonl"
        jsonl.write_bytes(b"".join(encode(e) + b"\n" for e in [*events, *fillers(MINUTES + 2)]))
        res = subprocess.run(
            [
                str(SENTINEL_BIN),
                "replay",
                str(jsonl),
                "--rules",
                str(rules),
                "--ttl-seconds",
                str(TTL_S),
                "--report",
                "json",
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert res.returncode == 0, res.stderr[-3000:]
        report = json.loads(res.stdout)
        replayed = sorted(
            (d["id"], d["sli"], d["trigger"], d["at"])
            for d in report["rollbacks"]
            if d["at"] <= last_tick
        )
        assert replayed
        live = sorted(
            {
                (d["id"], d["sli"], d["trigger"], d["at"])
                for n in received()
                if n.get("path") == "/rollback"
                for d in [n["decision"]]
            }
        )
        assert live == replayed
        posted = [n["decision"]["id"] for n in received() if n.get("path") == "/rollback"]
        assert len(posted) == len(set(posted))  # each decision sent once, by one replica
        replay_starts = {
            (a["labels"]["slo"], a["severity"], a["starts_at"])
            for a in report["alerts"]
            if a["name"] == SLO_ALERT
        }
        assert replay_starts == starts
    finally:
        group.stop_all()

#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft, broker+controller in one JVM) on
# loopback, for integration tests and local runs. No Docker, no release tarball:
# the broker's jars come from Maven (scripts/kafka/pom.xml) into a cache folder.
#
#   scripts/kafka.sh fetch                   # jars -> $SENTINEL_CACHE_DIR/kafka-4.1.1/libs
#   scripts/kafka.sh start DATA_DIR [PORT]   # PLAINTEXT on 127.0.0.1:PORT (default 19092),
#                                            # CONTROLLER on 127.0.0.1:PORT+1; waits until ready
#   scripts/kafka.sh stop DATA_DIR           # TERM, then KILL after KAFKA_STOP_TIMEOUT_S
#
# Environment:
#   SENTINEL_CACHE_DIR     cache root (default: $HOME/.cache/sentinel)
#   KAFKA_HEAP_OPTS        JVM heap flags (default: -Xms256m -Xmx512m)
#   KAFKA_START_TIMEOUT_S  how long `start` waits for the broker (default: 90)
#   KAFKA_STOP_TIMEOUT_S   how long `stop` waits after TERM before KILL (default: 30)
#
# Needs: java (17+), mvn (for fetch only), kcat (readiness probe).
# scripts/install-system-deps.sh installs them on Debian.
set -euo pipefail

KAFKA_VERSION=4.1.1
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
POM="$HERE/kafka/pom.xml"
CACHE_ROOT="${SENTINEL_CACHE_DIR:-$HOME/.cache/sentinel}"
KAFKA_HOME="$CACHE_ROOT/kafka-$KAFKA_VERSION"
LIBS="$KAFKA_HOME/libs"

die() { echo "kafka.sh: $*" >&2; exit 1; }
log() { echo "kafka.sh: $*" >&2; }

usage() {
    sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

pom_digest() { sha256sum "$POM" | cut -d' ' -f1; }

# The cache is valid when it was made from the current pom (stamp file), so
# editing the pom (e.g. a version bump) re-fetches instead of using stale jars.
cache_ok() {
    [[ -f "$KAFKA_HOME/pom.sha256" ]] && [[ "$(cat "$KAFKA_HOME/pom.sha256")" == "$(pom_digest)" ]] \
        && compgen -G "$LIBS/kafka_2.13-$KAFKA_VERSION.jar" >/dev/null
}

cmd_fetch() {
    if cache_ok; then
        return 0
    fi
    command -v mvn >/dev/null || die "mvn not found (run scripts/install-system-deps.sh)"
    mkdir -p "$CACHE_ROOT"
    # Build the folder next to its final place, then rename: a cache folder is
    # either complete or absent, even if this is interrupted or runs twice at once.
    FETCH_TMP="$(mktemp -d "$CACHE_ROOT/.kafka-$KAFKA_VERSION.XXXXXX")"
    trap 'rm -rf "$FETCH_TMP"' EXIT
    local tmp="$FETCH_TMP"
    log "fetching Kafka $KAFKA_VERSION jars with Maven into $KAFKA_HOME"
    if ! mvn -q -B -Dstyle.color=never -f "$POM" dependency:copy-dependencies \
            -DincludeScope=runtime -DoutputDirectory="$tmp/libs" >"$tmp/mvn.log" 2>&1; then
        tail -n 40 "$tmp/mvn.log" >&2
        die "mvn dependency:copy-dependencies failed"
    fi
    rm -f "$tmp/mvn.log"
    pom_digest >"$tmp/pom.sha256"
    chmod 755 "$tmp"
    if [[ -e "$KAFKA_HOME" ]]; then
        if cache_ok; then          # someone else finished first
            return 0
        fi
        local old="$KAFKA_HOME.old.$$"
        mv "$KAFKA_HOME" "$old" && rm -rf "$old"
    fi
    mv -T "$tmp" "$KAFKA_HOME" || cache_ok || die "could not move jars into $KAFKA_HOME"
    trap - EXIT
    rm -rf "$tmp"
}

write_config() { # DATA_DIR PORT
    local dir="$1" port="$2" cport=$(( $2 + 1 ))
    cat >"$dir/server.properties" <<EOF
# written by scripts/kafka.sh: single-node KRaft broker for tests
process.roles=broker,controller
node.id=1
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
controller.quorum.bootstrap.servers=127.0.0.1:$cport
log.dirs=$dir/data

# one node: every internal topic has replication factor 1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# fewer internal partitions than the defaults (50): creating them is what makes
# the first consumer-group join slow on a fresh broker
offsets.topic.num.partitions=4
transaction.state.log.num.partitions=4

num.partitions=4
auto.create.topics.enable=true
group.initial.rebalance.delay.ms=0

# events of 5 MB and more must fit (topic-level max.message.bytes follows this default)
message.max.bytes=16777216
replica.fetch.max.bytes=16777216
socket.request.max.bytes=104857600
EOF
    cat >"$dir/log4j2.properties" <<EOF
# written by scripts/kafka.sh. Without a config log4j2 prints only ERRORs.
status = warn
appender.out.type = Console
appender.out.name = STDOUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = STDOUT
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
EOF
}

# A pid is alive when it exists and is not a zombie: once this script has exited
# the broker is re-parented, and a killed broker may linger as a zombie.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_alive() {
    [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null || return 1
    local state
    state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true)"
    [[ "$state" != Z && "$state" != X ]]
}

cmd_start() {
    [[ $# -ge 1 ]] || usage
    local dir="$1" port="${2:-19092}"
    [[ "$port" =~ ^[0-9]+$ ]] || die "PORT must be a number, got '$port'"
    command -v java >/dev/null || die "java not found (run scripts/install-system-deps.sh)"
    command -v kcat >/dev/null || die "kcat not found (run scripts/install-system-deps.sh)"
    cmd_fetch
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    if [[ -f "$dir/broker.pid" ]] && pid_alive "$(cat "$dir/broker.pid")"; then
        die "a broker from $dir is already running (pid $(cat "$dir/broker.pid"))"
    fi

    local p
    for p in "$port" $((port + 1)); do
        ! port_open "$p" || die "127.0.0.1:$p is already in use"
    done

    write_config "$dir" "$port"
    local jvm_log=(-Dlog4j2.configurationFile="$dir/log4j2.properties")
    # the storage tool runs for a second: C1 only + serial GC start it ~40% faster
    local tool=(java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC "${jvm_log[@]}" -cp "$LIBS/*"
                kafka.tools.StorageTool)
    if [[ ! -f "$dir/data/meta.properties" ]]; then
        local cluster_id
        cluster_id="$("${tool[@]}" random-uuid)" || die "StorageTool random-uuid failed"
        "${tool[@]}" format --standalone \
            -t "$cluster_id" -c "$dir/server.properties" >"$dir/format.log" 2>&1 \
            || { cat "$dir/format.log" >&2; die "StorageTool format failed"; }
    fi

    # shellcheck disable=SC2086  # KAFKA_HEAP_OPTS is a list of flags
    nohup java ${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m} -XX:+UseG1GC -Djava.awt.headless=true \
        "${jvm_log[@]}" -cp "$LIBS/*" kafka.Kafka "$dir/server.properties" \
        >"$dir/broker.log" 2>&1 </dev/null &
    local pid=$!
    echo "$pid" >"$dir/broker.pid"

    # Ready = the PLAINTEXT listener answers a metadata request with this broker
    # in it (it only opens once the broker has joined the KRaft quorum and is unfenced).
    local timeout="${KAFKA_START_TIMEOUT_S:-90}" start=$SECONDS
    while (( SECONDS - start < timeout )); do
        if ! pid_alive "$pid"; then
            tail -n 60 "$dir/broker.log" >&2
            die "broker exited during start-up (log: $dir/broker.log)"
        fi
        # (the cheap port check first: kcat waits its whole -m timeout on a closed port)
        if port_open "$port" && kcat -b "127.0.0.1:$port" -L -m 5 2>/dev/null | grep -q "broker 1 at"; then
            log "broker ready on 127.0.0.1:$port (pid $pid, $((SECONDS - start))s)"
            return 0
        fi
        sleep 0.2
    done
    tail -n 60 "$dir/broker.log" >&2
    kill -KILL "$pid" 2>/dev/null || true
    die "broker not ready on 127.0.0.1:$port after ${timeout}s (log: $dir/broker.log)"
}

cmd_stop() {
    [[ $# -eq 1 ]] || usage
    local dir="$1" pid
    [[ -f "$dir/broker.pid" ]] || { log "no $dir/broker.pid: nothing to stop"; return 0; }
    pid="$(cat "$dir/broker.pid")"
    if pid_alive "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        local timeout="${KAFKA_STOP_TIMEOUT_S:-30}" start=$SECONDS
        while pid_alive "$pid" && (( SECONDS - start < timeout )); do
            sleep 0.2
        done
        if pid_alive "$pid"; then
            log "broker (pid $pid) still alive after ${timeout}s: KILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$dir/broker.pid"
}

case "${1:-}" in
    fetch) shift; cmd_fetch "$@" ;;
    start) shift; cmd_start "$@" ;;
    stop)  shift; cmd_stop "$@" ;;
    *) usage ;;
esac

#!/usr/bin/env bash
# A two-node OpenSearch test cluster on loopback, for the tests of the
# OpenSearch back end (issue 15). The engine is OpenSearch's own integ-test
# distribution from Maven Central, run unchanged: no mock, no Docker.
#
#   .ci/opensearch.sh start          download if needed, start os1+os2, wait for green
#   .ci/opensearch.sh stop           stop both nodes (pid files), wait for them to exit
#   .ci/opensearch.sh start-node N   start node N (1|2) alone, wait until it joined and green
#   .ci/opensearch.sh stop-node N [--kill]  stop node N alone (for failure tests;
#                                    --kill: SIGKILL, a crash, see cmd_stop_node)
#   .ci/opensearch.sh status         pid, HTTP and cluster health of each node
#   .ci/opensearch.sh logs [N]       tail of the nodes' logs
#
# Nodes: os1 http://127.0.0.1:9201 (transport 9301), os2 http://127.0.0.1:9202
# (transport 9302), cluster gongkai-test, no security plugin (plain HTTP).
#
# Environment (all optional):
#   GONGKAI_OS_VERSION   distribution version (2.19.6; 3.x needs Java 21+)
#   GONGKAI_OS_JAVA_HOME JDK to run it (default: Java 17 for 2.x, Temurin 25 for 3.x)
#   GONGKAI_OS_DIR       work dir: unpacked engine, node config/data/logs (/tmp/gongkai-opensearch)
#   GONGKAI_OS_CACHE     where the downloaded zip is kept (~/.cache/gongkai/opensearch)
#   GONGKAI_OS_HEAP      heap of each node (512m)
#   GONGKAI_OS_JAVA_OPTS extra JVM options for both nodes
#   GONGKAI_OS_TIMEOUT   seconds to wait for green (120)
#   GONGKAI_OS_KEEP_DATA 1 = `start` keeps the data of a previous run (default: a fresh, empty cluster)
#   GONGKAI_OS_USER      the non-root user the nodes run as when started by root (gongkai-os)
#   GONGKAI_OS_PORT_BASE node N listens on HTTP BASE+N and transport BASE+100+N (9200),
#                        so a second cluster (own GONGKAI_OS_DIR) can run beside the first
set -euo pipefail

VERSION=${GONGKAI_OS_VERSION:-2.19.6}
WORK=${GONGKAI_OS_DIR:-/tmp/gongkai-opensearch}
CACHE=${GONGKAI_OS_CACHE:-${HOME:-/root}/.cache/gongkai/opensearch}
HEAP=${GONGKAI_OS_HEAP:-512m}
TIMEOUT=${GONGKAI_OS_TIMEOUT:-120}
OS_USER=${GONGKAI_OS_USER:-gongkai-os}
CLUSTER=gongkai-test
ARTIFACT="org.opensearch.distribution.integ-test-zip:opensearch:$VERSION:zip"
ZIP="$CACHE/opensearch-$VERSION.zip"
DIST="$WORK/opensearch-$VERSION"

say() { printf 'opensearch: %s\n' "$*"; }
ON_FAIL=()   # nodes to stop if this command fails (those it started)
die() {
  printf 'opensearch: error: %s\n' "$*" >&2
  local n
  for n in "${ON_FAIL[@]}"; do stop_one "$n" >&2 || true; done
  exit 1
}

PORT_BASE=${GONGKAI_OS_PORT_BASE:-9200}
http_port() { echo $((PORT_BASE + $1)); }
transport_port() { echo $((PORT_BASE + 100 + $1)); }
node_dir() { echo "$WORK/os$1"; }
pid_file() { echo "$(node_dir "$1")/os$1.pid"; }
url() { echo "http://127.0.0.1:$(http_port "$1")"; }

check_node_arg() {
  case "${1:-}" in 1|2) ;; *) die "node must be 1 or 2, got '${1:-}'";; esac
}

java_home() {
  if [ -n "${GONGKAI_OS_JAVA_HOME:-}" ]; then echo "$GONGKAI_OS_JAVA_HOME"; return; fi
  case "$VERSION" in
    2.*)
      if [ -x /usr/lib/jvm/java-17-openjdk-amd64/bin/java ]; then echo /usr/lib/jvm/java-17-openjdk-amd64
      elif [ -n "${JAVA_HOME:-}" ]; then echo "$JAVA_HOME"
      else dirname "$(dirname "$(readlink -f "$(command -v java)")")"
      fi ;;
    *)
      # OpenSearch 3.x needs Java 21 or newer.
      if [ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]; then echo /usr/lib/jvm/temurin-25-jdk-amd64
      else die "OpenSearch $VERSION needs Java 21+: set GONGKAI_OS_JAVA_HOME"
      fi ;;
  esac
}

# True if pid $1 is a live process (not a zombie).
alive() {
  [ -n "${1:-}" ] && [ -r "/proc/$1/stat" ] && ! grep -q '^[0-9]* (.*) Z' "/proc/$1/stat" 2>/dev/null
}

# The pid of node N if it is running (and is really our node), else nothing.
node_pid() {
  local f pid
  f=$(pid_file "$1")
  [ -s "$f" ] || return 0
  pid=$(cat "$f")
  case "$pid" in ''|*[!0-9]*) return 0;; esac
  if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "-Dopensearch.path.conf=$(node_dir "$1")/config"; then
    echo "$pid"
  fi
}

# The pid of node N if it is running or still starting: before OpenSearch
# writes its pid file, the launcher (bin/opensearch, which execs into the
# node's java) is the node.
running_pid() {
  local pid
  pid=$(node_pid "$1")
  if [ -z "$pid" ]; then
    pid=$(cat "$(node_dir "$1")/launcher.pid" 2>/dev/null || true)
    case "$pid" in ''|*[!0-9]*) return 0;; esac
    alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$WORK/" || return 0
  fi
  echo "$pid"
}

health() { # health N [query] -> JSON or nothing
  curl -s --max-time "${3:-5}" "$(url "$1")/_cluster/health${2:-}" 2>/dev/null || true
}

json_field() { # json_field NAME < json
  sed -n "s/.*\"$1\":\"\{0,1\}\([^,\"}]*\).*/\1/p" | head -n1
}

port_busy() {
  # true if something listens on 127.0.0.1:PORT
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

tail_logs() {
  local n d
  for n in ${1:-1 2}; do
    d=$(node_dir "$n")
    for f in "$d/logs/stdout.log" "$d/logs/$CLUSTER.log"; do
      [ -f "$f" ] || continue
      echo "---- tail of $f"
      tail -n "${LOG_LINES:-40}" "$f"
    done
  done >&2
}

# ---------------------------------------------------------------- install

download() {
  [ -s "$ZIP" ] && unzip -tq "$ZIP" >/dev/null 2>&1 && return 0
  command -v mvn >/dev/null || die "mvn is needed to fetch $ARTIFACT from Maven Central"
  mkdir -p "$CACHE"
  say "downloading $ARTIFACT with Maven into $CACHE"
  local t0=$SECONDS tmp
  tmp=$(mktemp -d "$CACHE/dl.XXXXXX")
  # Run outside any project so no pom.xml is picked up; -C fails on a bad checksum.
  if ! (cd "$tmp" && mvn -B -q -C dependency:copy -Dartifact="$ARTIFACT" -DoutputDirectory="$tmp" \
        -Dmdep.overWriteReleases=true >"$tmp/mvn.log" 2>&1); then
    cat "$tmp/mvn.log" >&2
    rm -rf "$tmp"
    die "could not download $ARTIFACT from Maven Central"
  fi
  unzip -tq "$tmp/opensearch-$VERSION.zip" >/dev/null || { rm -rf "$tmp"; die "downloaded zip is damaged"; }
  mv "$tmp/opensearch-$VERSION.zip" "$ZIP"
  rm -rf "$tmp"
  say "downloaded in $((SECONDS - t0)) s ($(du -h "$ZIP" | cut -f1))"
}

unpack() {
  [ -f "$DIST/.unpacked" ] && return 0
  local t0=$SECONDS
  mkdir -p "$WORK"
  rm -rf "$DIST" "$DIST.tmp"
  mkdir -p "$DIST.tmp"
  unzip -q "$ZIP" -d "$DIST.tmp"
  mv "$DIST.tmp/opensearch-$VERSION" "$DIST"
  rmdir "$DIST.tmp"
  chmod 755 "$WORK"; chmod -R a+rX "$DIST"   # readable by the nodes' user whatever the umask
  touch "$DIST/.unpacked"
  say "unpacked to $DIST in $((SECONDS - t0)) s"
}

ensure_user() {
  [ "$(id -u)" -eq 0 ] || return 0
  if ! id -u "$OS_USER" >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$OS_USER" \
      || die "could not create the user $OS_USER (OpenSearch refuses to run as root)"
    say "created system user $OS_USER"
  fi
}

# Writes config/, data/, logs/ of node N. Data is kept (node restarts keep it).
configure() {
  local n=$1 d
  d=$(node_dir "$n")
  mkdir -p "$d/config/jvm.options.d" "$d/data" "$d/logs" "$d/tmp"
  cp "$DIST/config/log4j2.properties" "$d/config/"
  # The stock jvm.options less its 1 GB heap (OPENSEARCH_JAVA_OPTS sets it),
  # its relative paths (heap dumps, error files, GC log) pointed at this
  # node's own dirs: both nodes share one $DIST.
  sed -e '/^-Xm[sx]/d' \
      -e "s|^-XX:HeapDumpPath=data|-XX:HeapDumpPath=$d/data|" \
      -e "s|logs/hs_err_pid|$d/logs/hs_err_pid|" \
      -e "s|file=logs/gc.log|file=$d/logs/gc.log|" \
      -e "s|-Xloggc:logs/gc.log|-Xloggc:$d/logs/gc.log|" \
      "$DIST/config/jvm.options" >"$d/config/jvm.options"
  cat >"$d/config/opensearch.yml" <<EOF
# Written by .ci/opensearch.sh; rewritten at each start.
cluster.name: $CLUSTER
node.name: os$n
path.data: $d/data
path.logs: $d/logs
network.host: 127.0.0.1
http.port: $(http_port "$n")
transport.port: $(transport_port "$n")
discovery.seed_hosts: ["127.0.0.1:$(transport_port 1)", "127.0.0.1:$(transport_port 2)"]
cluster.initial_cluster_manager_nodes: ["os1", "os2"]
# vm.max_map_count is often 65530 on CI machines: no mmap, NIO file access.
node.store.allow_mmap: false
bootstrap.memory_lock: false
# A nearly full disk must not keep replicas unassigned (yellow forever).
cluster.routing.allocation.disk.threshold_enabled: false
EOF
  if [ "$(id -u)" -eq 0 ]; then
    chown -R "$OS_USER:" "$d"
  fi
}

# Launches node N in the background; does not wait.
launch() {
  local n=$1 d jh
  d=$(node_dir "$n")
  jh=$(java_home)
  [ -x "$jh/bin/java" ] || die "no java at $jh/bin/java"
  if port_busy "$(http_port "$n")" || port_busy "$(transport_port "$n")"; then
    die "port $(http_port "$n") or $(transport_port "$n") is already taken by another process (not node os$n of $WORK)"
  fi
  configure "$n"
  rm -f "$(pid_file "$n")"
  local -a as_user=()
  if [ "$(id -u)" -eq 0 ]; then
    as_user=(setpriv --reuid="$OS_USER" --regid="$OS_USER" --init-groups --)
  fi
  # cwd must be the distribution: bin/opensearch runs bin/opensearch-keystore by a relative path.
  (
    cd "$DIST"
    ulimit -n "$(ulimit -Hn)" 2>/dev/null || true   # OpenSearch warns below 65535 open files
    exec env -i PATH=/usr/bin:/bin HOME="$d" LANG=C.UTF-8 \
      OPENSEARCH_PATH_CONF="$d/config" OPENSEARCH_JAVA_HOME="$jh" OPENSEARCH_TMPDIR="$d/tmp" \
      OPENSEARCH_JAVA_OPTS="-Xms$HEAP -Xmx$HEAP ${GONGKAI_OS_JAVA_OPTS:-}" \
      setsid "${as_user[@]}" "$DIST/bin/opensearch" -p "$(pid_file "$n")" \
      </dev/null >"$d/logs/stdout.log" 2>&1
  ) &
  local lpid=$!
  echo "$lpid" >"$d/launcher.pid"
  # Return once the launcher has exec'd (its command line names $WORK), so
  # that running_pid sees a node that is starting.
  for _ in $(seq 1 50); do
    tr '\0' ' ' <"/proc/$lpid/cmdline" 2>/dev/null | grep -q -- "$WORK/" && break
    alive "$lpid" || break
    sleep 0.05
  done
}

# Waits until `GET _cluster/health?QUERY` on node N answers 200 (the query
# carries wait_for_*), failing at once if one of the nodes WATCH... died.
wait_health() {
  local n=$1 query=$2 what=$3 deadline=$((SECONDS + TIMEOUT)) code m
  shift 3
  while :; do
    for m in "$@"; do
      if [ -z "$(running_pid "$m")" ]; then
        tail_logs "1 2"
        die "node os$m exited while starting (logs above, in $(node_dir "$m")/logs)"
      fi
    done
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 12 \
      "$(url "$n")/_cluster/health?$query&timeout=10s" 2>/dev/null || true)
    [ "$code" = 200 ] && return 0
    if [ "$SECONDS" -ge "$deadline" ]; then
      say "health now: $(health "$n" '' 3)" >&2
      tail_logs "1 2"
      die "the cluster did not become $what within ${TIMEOUT}s (last HTTP status from os$n: ${code:-none}; logs above, in $WORK/os*/logs)"
    fi
    sleep 0.5
  done
}

# ---------------------------------------------------------------- commands

cmd_start() {
  local p1 p2 t0=$SECONDS
  p1=$(running_pid 1); p2=$(running_pid 2)
  if [ -n "$p1" ] && [ -n "$p2" ]; then
    say "already running (os1 pid $p1, os2 pid $p2)"
    wait_health 1 "wait_for_status=green&wait_for_nodes=2" green 1 2
    clear_exclusions 1
    print_urls
    return 0
  fi
  [ -f "$DIST/.unpacked" ] || download
  local t1=$SECONDS
  unpack
  ensure_user
  if [ -z "$p1" ] && [ -z "$p2" ] && [ "${GONGKAI_OS_KEEP_DATA:-0}" != 1 ]; then
    rm -rf "$(node_dir 1)" "$(node_dir 2)"   # a fresh, empty cluster
  fi
  local t2=$SECONDS
  [ -n "$p1" ] || { say "starting os1 ($(url 1))"; ON_FAIL+=(1); launch 1; }
  [ -n "$p2" ] || { say "starting os2 ($(url 2))"; ON_FAIL+=(2); launch 2; }
  wait_health 1 "wait_for_status=green&wait_for_nodes=2" green 1 2
  clear_exclusions 1
  say "cluster $CLUSTER is green with 2 nodes: download $((t1 - t0)) s, unpack $((t2 - t1)) s, start to green $((SECONDS - t2)) s"
  print_urls
}

# Node N back: let it vote again (exclusions left by stop-node).
clear_exclusions() {
  curl -s -o /dev/null --max-time 30 -X DELETE \
    "$(url "$1")/_cluster/voting_config_exclusions?wait_for_removal=false" || true
}

print_urls() {
  say "os1 $(url 1)  os2 $(url 2)  (OpenSearch $VERSION, work dir $WORK)"
  echo "OPENSEARCH_URL=$(url 1)"
  echo "OPENSEARCH_URLS=$(url 1),$(url 2)"
}

# signal_node SIG PID: the node's whole process group (setsid made the
# launcher its leader: a node killed while starting leaves no helper behind).
signal_node() {
  if [ "$(ps -o pgid= -p "$2" 2>/dev/null | tr -d ' ')" = "$2" ]; then
    kill -"$1" -- "-$2" 2>/dev/null || true
  else
    kill -"$1" "$2" 2>/dev/null || true
  fi
}

stop_one() {
  local n=$1 pid
  pid=$(running_pid "$n")
  if [ -z "$pid" ]; then
    say "os$n is not running"
    rm -f "$(pid_file "$n")"
    return 0
  fi
  signal_node TERM "$pid"
  for _ in $(seq 1 300); do
    alive "$pid" || break
    sleep 0.1
  done
  if alive "$pid"; then
    say "os$n (pid $pid) did not exit in 30 s: killing it"
    signal_node KILL "$pid"
    while alive "$pid"; do sleep 0.1; done
  fi
  rm -f "$(pid_file "$n")"
  say "os$n stopped (pid $pid)"
}

cmd_stop() {
  # Both at once, so that the second does not spend time electing itself.
  local pids=() n
  for n in 1 2; do [ -n "$(running_pid "$n")" ] && pids+=("$n"); done
  if [ ${#pids[@]} -eq 0 ]; then say "not running"; return 0; fi
  for n in "${pids[@]}"; do stop_one "$n" & done
  wait
}

# stop-node N [--kill]. A cluster of two cluster-manager-eligible nodes keeps
# only one of them in its voting configuration (an odd count), so stopping
# that one would leave no cluster manager. The default stop therefore first
# excludes node N from voting (the documented way to take a cluster-manager
# node out), which moves the vote to the other node; then stops it with
# SIGTERM. --kill is a crash: SIGKILL, no exclusion; if node N held the vote
# the survivor has no cluster manager until N returns (reads go on, writes
# and _cluster/health wait).
cmd_stop_node() {
  check_node_arg "${1:-}"
  local n=$1 other=$((3 - $1)) pid code
  pid=$(running_pid "$n")
  if [ "${2:-}" = "--kill" ]; then
    [ -n "$pid" ] || { say "os$n is not running"; return 0; }
    signal_node KILL "$pid"
    while alive "$pid"; do sleep 0.1; done
    rm -f "$(pid_file "$n")"
    say "os$n killed (pid $pid, SIGKILL)"
    return 0
  fi
  if [ -n "$pid" ] && [ -n "$(node_pid "$other")" ]; then
    code=$(curl -s -o /tmp/gongkai-os-vce.$$ -w '%{http_code}' --max-time 40 -X POST \
      "$(url "$other")/_cluster/voting_config_exclusions?node_names=os$n&timeout=30s" || true)
    if [ "$code" != 200 ]; then
      cat /tmp/gongkai-os-vce.$$ >&2 2>/dev/null || true; rm -f /tmp/gongkai-os-vce.$$
      die "could not exclude os$n from the voting configuration (HTTP ${code:-none}); '$0 stop-node $n --kill' stops it anyway"
    fi
    rm -f /tmp/gongkai-os-vce.$$
    say "os$n excluded from voting: os$other is cluster manager"
  fi
  stop_one "$n"
}

cmd_start_node() {
  check_node_arg "${1:-}"
  local n=$1 other=$((3 - $1)) pid t0=$SECONDS
  pid=$(running_pid "$n")
  if [ -n "$pid" ]; then
    say "os$n is already running (pid $pid)"
  else
    [ -f "$DIST/.unpacked" ] || die "not installed: run '$0 start' first"
    ensure_user
    say "starting os$n ($(url "$n"))"
    ON_FAIL+=("$n")
    launch "$n"
  fi
  if [ "${2:-}" = "--no-wait" ]; then return 0; fi
  if [ -n "$(node_pid "$other")" ]; then
    wait_health "$n" "wait_for_nodes=2" "2 nodes" "$n"
    clear_exclusions "$n"
    wait_health "$n" "wait_for_status=green&wait_for_nodes=2" "green with 2 nodes" "$n"
    say "os$n is back: cluster green with 2 nodes after $((SECONDS - t0)) s"
  else
    # Alone it cannot elect a cluster manager (two master-eligible nodes):
    # wait only for its HTTP port.
    local deadline=$((SECONDS + TIMEOUT))
    until curl -s -o /dev/null --max-time 3 "$(url "$n")/"; do
      [ -n "$(running_pid "$n")" ] || { tail_logs "$n"; die "os$n exited while starting"; }
      [ "$SECONDS" -lt "$deadline" ] || { tail_logs "$n"; die "os$n did not answer within ${TIMEOUT}s"; }
      sleep 1
    done
    say "os$n answers on $(url "$n") (os$other is down: no cluster manager until it returns)"
  fi
}

cmd_status() {
  local n pid rc=0 h
  for n in 1 2; do
    pid=$(node_pid "$n")
    if [ -n "$pid" ]; then
      local rss
      rss=$(awk '/^VmRSS/ {printf "%d MB", $2/1024}' "/proc/$pid/status" 2>/dev/null || echo '?')
      h=$(health "$n" '' 3)
      if [ -n "$h" ]; then
        say "os$n running, pid $pid, RSS $rss, $(url "$n"): status $(json_field status <<<"$h"), nodes $(json_field number_of_nodes <<<"$h")"
      else
        say "os$n running, pid $pid, RSS $rss, $(url "$n") not answering"
        rc=1
      fi
    else
      say "os$n not running"
      rc=1
    fi
  done
  return $rc
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  start-node) shift; cmd_start_node "$@" ;;
  stop-node) shift; cmd_stop_node "$@" ;;
  status) cmd_status ;;
  logs) shift; LOG_LINES=${LOG_LINES:-80} tail_logs "${1:-1 2}" 2>&1 ;;
  *) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac

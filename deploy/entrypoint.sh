#!/bin/sh
# pb-ops container entrypoint: PocketBase under Litestream.
#
#   1. Check the settings; a missing or malformed one stops the container with ONE line that names
#      it (App Platform shows the last lines of a failed deploy).
#   2. No REPLICA_URL at all: run PocketBase alone and say loudly that the data is ephemeral.
#   3. data.db missing: prove the replica can be listed with these credentials, then restore it
#      (`litestream restore -if-db-not-exists -if-replica-exists`). If the replica cannot be read
#      the container FAILS: starting an empty database would then be replicated on top of the
#      backup it could not read. An empty (readable) replica starts an empty database.
#   3a. Deploy lease (PB_LEASE, on by default with REPLICA_URL; docs/deploy.md "Deploys and the
#      lease"), BEFORE restoring: `pocketbase pb-ops lease claim` takes the next epoch in
#      <path>.pb-ops/lease.json beside the replica and waits until the old container has shipped
#      its last transaction and released (or, if it never answers, for the TTL). A container that
#      finds another one starting as primary becomes a STANDBY: no restore, no Litestream, writes
#      and health answer 503. S3 unreachable while claiming: the container does not start.
#   4. With the lease: this script stays the supervisor. Litestream and PocketBase run side by
#      side beside the lease agent (`pb-ops lease hold`, which renews the lease). When the agent
#      sees a newer claim it fences writes (503) and exits; this script then stops Litestream
#      (SIGTERM: a last sync), runs `pb-ops lease release` (replica TXID >= local TXID, then
#      `released`) and keeps PocketBase serving reads until the platform stops it. If the agent
#      dies for any other reason, the container stops: it must not replicate without a lease.
#      SIGTERM: PocketBase first, then Litestream (its last sync), so no acknowledged write is lost.
#      Without the lease: `litestream replicate -exec "pocketbase serve ..."` as before (a child,
#      not exec'd, so the log filters below can be flushed; signals are passed on).
#      In the image, tini (PID 1) forwards signals and reaps zombies.
#   5. Stdout is one stream of JSON lines (see "one JSON stream" below).
#
# Paths and binaries are overridable so the test suite runs this same script on loopback without
# Docker. None of these names start with PB_ (pb-ops reports unknown PB_* names near its own).
#   POCKETBASE_BIN, LITESTREAM_BIN, LITESTREAM_CONFIG, POCKETBASE_DIR, POCKETBASE_HOOKS_DIR,
#   POCKETBASE_MIGRATIONS_DIR, HOST, PORT, LITESTREAM_METRICS_ADDR, LITESTREAM_SYNC_INTERVAL,
#   LITESTREAM_RETENTION, POCKETBASE_ENCRYPTION_KEY.
# Extra arguments to this script are passed to `pocketbase serve` (e.g. --origins=https://x.com).
set -eu

# --- one JSON stream -----------------------------------------------------------------------------
#
# A log drain reads stdout as one stream, so every line on it is a JSON object shaped like
# pb-ops's own lines: {"time","level","msg","source",...}. Each producer writes into its own FIFO,
# read by a small awk filter (below) that writes JSON lines to the real stdout (fd 3):
#   fd 1/2 (this script)          -> source "entrypoint"
#   fd 4 (PocketBase, lease agent) -> source "pocketbase": pb-ops's JSON lines pass through as they
#      are; PocketBase's start-up banner ("Server started at ...", printed by the release binary
#      whatever stdout is, since only Go code can set HideStartBanner) and Go log lines become JSON.
#   fd 5 (Litestream)              -> source "litestream": its slog JSON lines (litestream.yml sets
#      `logging: type: json`) get a source, and their second "level" key (an attribute named like
#      slog's: the log level on the first line, the LTX level in compaction lines) is renamed
#      "field.level", as pb-ops does with colliding fields; any text line (e.g. "Error: ...") is
#      wrapped.
# A text line is wrapped with the current time (Go's "2006/01/02 15:04:05 " prefix dropped) and a
# level read from its words (FATAL/Error: -> ERROR, WARNING -> WARN, else INFO); blank lines are
# dropped. The filters ignore TERM/INT so they outlive their writers and print the last lines;
# end_logs (every exit path) closes this script's ends and gives them up to 2 s to finish.
json_filter() {
  # mawk buffers its input until 4 KiB or EOF unless -W interactive (the image's awk is mawk).
  if command -v mawk >/dev/null 2>&1; then set -- mawk -W interactive -v src="$1"; else set -- awk -v src="$1"; fi
  exec "$@" '
    { sub(/\r$/, "") }
    /^[[:space:]]*$/ { next }
    /^\{.*\}$/ {
      line = $0
      if (src == "litestream") {
        i = index(line, "\"level\":")
        if (i) { rest = substr(line, i + 8); gsub(/,"level":/, ",\"field.level\":", rest); line = substr(line, 1, i + 7) rest }
        if (index(line, "\"source\":") == 0) line = substr(line, 1, length(line) - 1) ",\"source\":\"" src "\"}"
      }
      # One write per line: -W interactive makes stdout unbuffered, and mawk then writes each
      # printf argument and the ORS of `print` separately (seen with strace), so a line of another
      # filter could land in between. A single "%s" holding the whole line, newline included, is one
      # write(2), atomic on a pipe for lines under PIPE_BUF.
      printf "%s", line "\n"; fflush(); next
    }
    {
      msg = $0
      sub(/^[0-9][0-9][0-9][0-9]\/[0-9][0-9]\/[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9] /, "", msg)
      level = "INFO"
      if (msg ~ /FATAL:/ || msg ~ /^[Ee]rror:/) level = "ERROR"
      else if (msg ~ /WARNING/ || msg ~ /^[Ww]arning:/) level = "WARN"
      gsub(/\\/, "&&", msg); gsub(/"/, "\\\"", msg); gsub(/\t/, "\\t", msg); gsub(/[[:cntrl:]]/, "", msg)
      cmd = "date -u +%Y-%m-%dT%H:%M:%S.%3NZ"; cmd | getline now; close(cmd)
      out = sprintf("{\"time\":\"%s\",\"level\":\"%s\",\"msg\":\"%s\",\"source\":\"%s\"}\n", now, level, msg, src)
      printf "%s", out
      fflush()
    }'
}

log_fifos=
log_filters=
if log_fifos=$(mktemp -d 2>/dev/null) && mkfifo "$log_fifos/e" "$log_fifos/p" "$log_fifos/l" 2>/dev/null; then
  exec 3>&1
  # Each filter: its FIFO in, the real stdout out, no copy of another FIFO's write end (it would
  # keep that filter from ever seeing EOF).
  (trap '' TERM INT HUP && json_filter entrypoint) <"$log_fifos/e" >&3 2>&3 &
  log_filters=$!
  exec 6>"$log_fifos/e"
  (trap '' TERM INT HUP && json_filter pocketbase) <"$log_fifos/p" >&3 2>&3 6>&- &
  log_filters="$log_filters $!"
  exec 4>"$log_fifos/p"
  (trap '' TERM INT HUP && json_filter litestream) <"$log_fifos/l" >&3 2>&3 4>&- 6>&- &
  log_filters="$log_filters $!"
  exec 5>"$log_fifos/l"
  rm -rf "$log_fifos"
  exec 1>&6 2>&6 6>&-
else
  # No writable temp dir: plain lines, but still on one stream.
  exec 3>&1 4>&1 5>&1 2>&1
fi

# Closes this script's ends of the FIFOs and waits (up to 2 s) for the filters to print what they
# hold: in a container, everything left is killed as soon as the entrypoint exits.
end_logs() {
  exec 1>&3 2>&3 4>&- 5>&-
  for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    alive=
    for f in $log_filters; do kill -0 "$f" 2>/dev/null && alive=yes; done
    [ -z "$alive" ] && return 0
    sleep 0.1
  done
}

# Also on an unplanned exit (set -e): the line saying why must reach the stream.
trap end_logs EXIT

log() { printf '%s\n' "$*"; }
die() {
  printf 'FATAL: %s\n' "$*"
  end_logs
  exit 1
}

# The last process of a path, run as a child rather than exec'd so this script can flush the log
# filters when it ends. SIGTERM/SIGINT are passed on (tini sends them here); a signal interrupts
# `wait`, so wait again until the child is really gone, then exit with its status.
# Usage: run_final 4|5 command... (the log FIFO for its output; not a redirection of the call,
# which would leave a saved copy of this script's stdout open in the shell).
run_final() {
  fd=$1
  shift
  if [ "$fd" = 5 ]; then "$@" >&5 2>&5 & else "$@" >&4 2>&4 & fi
  final=$!
  trap 'kill -TERM "$final" 2>/dev/null' TERM INT
  set +e
  while :; do
    wait "$final"
    rc=$?
    kill -0 "$final" 2>/dev/null || break
  done
  set -e
  end_logs
  exit "$rc"
}

POCKETBASE_BIN=${POCKETBASE_BIN:-/usr/local/bin/pocketbase}
LITESTREAM_BIN=${LITESTREAM_BIN:-/usr/local/bin/litestream}
LITESTREAM_CONFIG=${LITESTREAM_CONFIG:-/etc/litestream.yml}
POCKETBASE_DIR=${POCKETBASE_DIR:-/app/pb_data}
POCKETBASE_HOOKS_DIR=${POCKETBASE_HOOKS_DIR:-/app/pb_hooks}
POCKETBASE_MIGRATIONS_DIR=${POCKETBASE_MIGRATIONS_DIR:-/app/pb_migrations}
HOST=${HOST:-0.0.0.0}
PORT=${PORT:-8080}
LITESTREAM_METRICS_ADDR=${LITESTREAM_METRICS_ADDR:-127.0.0.1:9090}
LITESTREAM_SYNC_INTERVAL=${LITESTREAM_SYNC_INTERVAL:-1s}
LITESTREAM_RETENTION=${LITESTREAM_RETENTION:-168h}
# litestream.yml reads these through ${VAR} expansion (and the lease agent reads PORT).
export PORT POCKETBASE_DIR LITESTREAM_METRICS_ADDR LITESTREAM_SYNC_INTERVAL LITESTREAM_RETENTION

# --- settings ---------------------------------------------------------------------------------

# A value pasted with a trailing newline or space is the most common credential mistake; S3 then
# answers 403 and the cause is invisible. Reject whitespace anywhere.
has_space() {
  case $1 in *[[:space:]]*) return 0 ;; esac
  return 1
}

# Values copied from .do/app.yaml or the guide without editing.
is_placeholder() {
  case $1 in *'<'*'>'* | *your-space-name* | *your-spaces-* | *YOUR_* | *changeme* | *CHANGEME*) return 0 ;; esac
  return 1
}

is_duration() {
  case $1 in '' | *[!0-9smh]* | [!0-9]*) return 1 ;; esac
  return 0
}

[ -x "$POCKETBASE_BIN" ] || die "POCKETBASE_BIN=$POCKETBASE_BIN is not an executable file"
[ -d "$POCKETBASE_HOOKS_DIR" ] || die "POCKETBASE_HOOKS_DIR=$POCKETBASE_HOOKS_DIR is not a directory (the pb-ops pb_hooks/ belong there)"
case $PORT in '' | *[!0-9]*) die "PORT=\"$PORT\" is not a port number" ;; esac
[ "$PORT" -ge 1 ] && [ "$PORT" -le 65535 ] || die "PORT=$PORT is not a port number from 1 to 65535"

# --automigrate=false: by default PocketBase writes a migration file into the migrations dir for
# every collection change made in the dashboard. In the image that dir is read-only (root-owned),
# so the write fails and the dashboard reports an error after the change was already saved; and a
# file written there would be lost on the next deploy anyway. In production the schema lives in
# data.db, which Litestream replicates; generate migrations in development and commit them.
pb_args="--dir $POCKETBASE_DIR --hooksDir $POCKETBASE_HOOKS_DIR --automigrate=false"
[ -d "$POCKETBASE_MIGRATIONS_DIR" ] && pb_args="$pb_args --migrationsDir $POCKETBASE_MIGRATIONS_DIR"

# JS VM pool (PB_HOOKS_POOL; default = src/pool/config.ts, kept in step by tests/deploy/kit.test.ts):
# PocketBase reads --hooksPool before any hook runs, so it is passed here. pb-ops validates the
# value at boot (the one source of its accepted form) and stops with one line on a bad one; a value
# that is not 1-5 plain digits is not passed, so that pb-ops, not the flag parser, reports it.
hooks_pool=${PB_HOOKS_POOL:-240}
case $hooks_pool in '' | *[!0-9]* | ??????*) ;; *) pb_args="$pb_args --hooksPool $hooks_pool" ;; esac

# Go memory limit. Go's GC lets the heap grow to (1 + GOGC/100) times what is live (3x at the image's
# GOGC=200), and every VM an open realtime client holds is live, so a busy instance can grow past its
# container's memory and be killed. Unless GOMEMLIMIT is set, it is set to 3/4 of the container's
# memory limit (cgroup v2 memory.max, or v1 memory.limit_in_bytes), so the GC collects more often as
# the heap nears it (a soft limit: a live heap larger than it still grows); the other quarter is for
# Litestream, the lease agent and what Go keeps outside the heap. No limit found: Go's own behaviour (no GOMEMLIMIT). GOMEMLIMIT=off turns it
# off. CGROUP_MEMORY_FILES (space-separated paths) replaces the files read, for the test suite.
memory_limit_bytes() {
  for f in ${CGROUP_MEMORY_FILES:-/sys/fs/cgroup/memory.max /sys/fs/cgroup/memory/memory.limit_in_bytes}; do
    [ -r "$f" ] || continue
    v=$(cat "$f" 2>/dev/null) || continue
    # "max" (v2) or a number near 2^63 (v1) means no limit.
    case $v in '' | *[!0-9]* | ????????????????*) return 1 ;; esac
    printf '%s\n' "$v"
    return 0
  done
  return 1
}
# A Go byte count as GOMEMLIMIT takes it (runtime parseByteCount): off, or digits with an optional
# unit B, KiB, MiB, GiB or TiB. (Go also reads an empty value as off; here it is an error, as an
# empty PB_* value is.)
go_byte_count() {
  case $1 in
    off) return 0 ;;
    *[0-9]) n=$1 ;;
    *[0-9]B) n=${1%B} ;;
    *[0-9][KMGT]iB) n=${1%???} ;;
    *) return 1 ;;
  esac
  case $n in '' | *[!0-9]*) return 1 ;; esac
}
if [ "${GOMEMLIMIT+set}" = set ]; then
  # Go's runtime stops with a stack trace on a malformed value; say it in one line instead.
  go_byte_count "$GOMEMLIMIT" || die "GOMEMLIMIT=\"$GOMEMLIMIT\" is not a Go memory limit; expected off or a byte count with an optional unit B, KiB, MiB, GiB or TiB (e.g. 768MiB)"
elif limit_bytes=$(memory_limit_bytes); then
  GOMEMLIMIT="$((limit_bytes / 1048576 * 3 / 4))MiB"
  export GOMEMLIMIT
  log "GOMEMLIMIT=$GOMEMLIMIT: 3/4 of this container's memory limit ($((limit_bytes / 1048576)) MiB), so Go's GC collects more often as the heap nears it; set GOMEMLIMIT to choose another, or off"
fi

# PocketBase's --encryptionEnv names a variable whose value (32 characters, AES-256) encrypts the
# stored settings (SMTP/S3 secrets). The guide's PB_ENCRYPTION_ENV is read by nobody.
if [ "${POCKETBASE_ENCRYPTION_KEY+set}" = set ]; then
  [ "${#POCKETBASE_ENCRYPTION_KEY}" -eq 32 ] || die "POCKETBASE_ENCRYPTION_KEY must be exactly 32 characters (it has ${#POCKETBASE_ENCRYPTION_KEY}); generate one with: openssl rand -hex 16"
  pb_args="$pb_args --encryptionEnv POCKETBASE_ENCRYPTION_KEY"
fi
[ "${PB_ENCRYPTION_ENV+set}" = set ] && log "WARNING: PB_ENCRYPTION_ENV is not read by PocketBase; set POCKETBASE_ENCRYPTION_KEY (32 characters) instead"

# Paths go into Litestream's -exec string (split like a shell would); keep them plain.
for p in "$POCKETBASE_BIN" "$POCKETBASE_DIR" "$POCKETBASE_HOOKS_DIR" "$POCKETBASE_MIGRATIONS_DIR" "$HOST" "$@"; do
  case $p in *[[:space:]\'\"\\]*) die "paths and arguments must not contain spaces, quotes or backslashes: $p" ;; esac
done

mkdir -p "$POCKETBASE_DIR" 2>/dev/null || die "cannot create POCKETBASE_DIR=$POCKETBASE_DIR (running as uid $(id -u))"
[ -w "$POCKETBASE_DIR" ] || die "POCKETBASE_DIR=$POCKETBASE_DIR is not writable by uid $(id -u)"
db="$POCKETBASE_DIR/data.db"

# --- no replica: PocketBase alone ----------------------------------------------------------------

if [ "${REPLICA_URL+set}" != set ]; then
  for v in LITESTREAM_ACCESS_KEY_ID LITESTREAM_SECRET_ACCESS_KEY; do
    eval "[ \"\${$v+set}\" = set ]" && die "$v is set but REPLICA_URL is not: set REPLICA_URL (s3://bucket/path) or remove $v"
  done
  log "WARNING: REPLICA_URL is not set: NO BACKUP. The database lives only on this container's disk"
  log "WARNING: and is LOST on every deploy or restart. Set REPLICA_URL, LITESTREAM_ACCESS_KEY_ID and"
  log "WARNING: LITESTREAM_SECRET_ACCESS_KEY to replicate it with Litestream (see docs/deploy.md)."
  # shellcheck disable=SC2086 # pb_args holds checked, space-free words
  run_final 4 "$POCKETBASE_BIN" serve --http "$HOST:$PORT" $pb_args "$@"
fi

# --- replica settings ----------------------------------------------------------------------------

[ -n "$REPLICA_URL" ] || die "REPLICA_URL is set but empty; unset it to run without backups, or set s3://bucket/path"
has_space "$REPLICA_URL" && die "REPLICA_URL contains whitespace (a pasted newline?)"
is_placeholder "$REPLICA_URL" && die "REPLICA_URL still holds the example value; set your Space: s3://<space>.<region>.digitaloceanspaces.com/<path>"
case $REPLICA_URL in
  s3://*@*) die "REPLICA_URL must not embed credentials; use LITESTREAM_ACCESS_KEY_ID and LITESTREAM_SECRET_ACCESS_KEY" ;;
  s3://?*/?*) ;;
  s3://*) die "REPLICA_URL needs a path after the bucket (s3://bucket/path), so the backup has its own prefix" ;;
  https://*digitaloceanspaces.com*) die "REPLICA_URL is an https:// endpoint; use s3://<space>.<region>.digitaloceanspaces.com/<path>" ;;
  *) die "REPLICA_URL must start with s3:// (s3://bucket/path?endpoint=... or s3://<space>.<region>.digitaloceanspaces.com/<path>)" ;;
esac
# Shown in logs: the URL up to any query string (endpoint/region are not secret, but keep it short).
replica_shown=${REPLICA_URL%%\?*}

for v in LITESTREAM_ACCESS_KEY_ID LITESTREAM_SECRET_ACCESS_KEY; do
  eval "val=\${$v-}"
  eval "isset=\${$v+set}"
  [ "$isset" = set ] || die "$v is not set; REPLICA_URL needs both LITESTREAM_ACCESS_KEY_ID and LITESTREAM_SECRET_ACCESS_KEY (App Platform: type SECRET)"
  [ -n "$val" ] || die "$v is set but empty"
  has_space "$val" && die "$v contains whitespace (a pasted newline or space?)"
  is_placeholder "$val" && die "$v still holds the example value"
done
unset val isset
# Litestream's S3 client cannot combine its own HTTP client with a custom CA bundle and refuses to
# start ("unable to add custom RootCAs HTTPClient"); Spaces uses public CAs, so drop it.
if [ "${AWS_CA_BUNDLE+set}" = set ]; then
  log "ignoring AWS_CA_BUNDLE: Litestream v0.5 cannot use it with its S3 client"
  unset AWS_CA_BUNDLE
fi

[ -x "$LITESTREAM_BIN" ] || die "LITESTREAM_BIN=$LITESTREAM_BIN is not an executable file"
[ -r "$LITESTREAM_CONFIG" ] || die "LITESTREAM_CONFIG=$LITESTREAM_CONFIG is not a readable file"
is_duration "$LITESTREAM_SYNC_INTERVAL" || die "LITESTREAM_SYNC_INTERVAL=\"$LITESTREAM_SYNC_INTERVAL\" is not a duration like 1s or 10s"
is_duration "$LITESTREAM_RETENTION" || die "LITESTREAM_RETENTION=\"$LITESTREAM_RETENTION\" is not a duration like 24h or 168h"
case $LITESTREAM_METRICS_ADDR in
  127.0.0.1:[0-9]* | localhost:[0-9]* | \[::1\]:[0-9]*) ;;
  *) die "LITESTREAM_METRICS_ADDR=$LITESTREAM_METRICS_ADDR must be a loopback address (127.0.0.1:PORT): the metrics are for pb-ops only" ;;
esac

# --- replica check, deploy lease, restore -----------------------------------------------------

# Runs Litestream in the background so a SIGTERM during a long restore is handled at once (a
# foreground child would delay the trap until it finished). Output goes to $out; its last line is
# the error Litestream printed.
out=$(mktemp)
child=
agent=
trap 'rm -f "$out"; end_logs' EXIT
trap 'log "signal received during lease claim or restore; stopping"; [ -n "$child" ] && kill "$child" 2>/dev/null; [ -n "$agent" ] && kill "$agent" 2>/dev/null; rm -f "$db.tmp"; end_logs; exit 143' TERM INT
run_litestream() {
  "$LITESTREAM_BIN" "$@" >"$out" 2>&1 &
  child=$!
  set +e
  wait "$child"
  rc=$?
  set -e
  child=
  return "$rc"
}
last_line() { grep -v '^[[:space:]]*$' "$out" | tail -n 1 | sed 's/^Error: //'; }

if [ ! -e "$db" ]; then
  # A restore killed half-way leaves data.db.tmp behind; Litestream would reuse it otherwise.
  rm -f "$db.tmp" "$db-wal" "$db-shm"
  # 1. Prove the replica can be listed. `restore -if-replica-exists` treats "no backup files" as
  #    success; listing explicitly first means an unreadable replica (403, no such bucket,
  #    unreachable endpoint) is always an error, whatever a future Litestream classifies as
  #    "no backups".
  run_litestream ltx -config "$LITESTREAM_CONFIG" -level all -json "$db" ||
    die "cannot read the replica $replica_shown: $(last_line); check REPLICA_URL, LITESTREAM_ACCESS_KEY_ID and LITESTREAM_SECRET_ACCESS_KEY. Not starting: an empty database would be replicated over a backup that could not be read"
  ltx_files=$(grep -c '"level"' "$out" || true)
fi

# --- deploy lease (before restoring) ---------------------------------------------------------------

lease_state="$POCKETBASE_DIR/.pb-ops-lease"
lease_tmp=$(mktemp -d)
# The lease commands run pb-ops inside PocketBase with a throwaway --dir, so they never create or
# touch pb_data/data.db.
lease_cmd() {
  "$POCKETBASE_BIN" pb-ops lease "$@" --dir "$lease_tmp" --hooksDir "$POCKETBASE_HOOKS_DIR" --automigrate=false >&4 2>&4
}
rm -rf "$lease_state"
# In the background like the restore, so a SIGTERM while it waits is handled at once.
lease_cmd claim &
child=$!
set +e
wait "$child"
lease_rc=$?
set -e
child=
case $lease_rc in
  0) lease=on ;;
  4) lease=off ;;
  3)
    # STANDBY: never restores, never runs Litestream; PocketBase serves 503 to writes and health.
    # shellcheck disable=SC2086
    "$POCKETBASE_BIN" migrate up $pb_args >&4 2>&4 || die "pocketbase migrate up failed (exit $?)"
    log "STANDBY: another container holds the lease for $replica_shown; serving without restore or replication (writes and health answer 503)"
    # shellcheck disable=SC2086
    run_final 4 "$POCKETBASE_BIN" serve --http "$HOST:$PORT" $pb_args "$@"
    ;;
  *)
    log "not starting: the deploy lease could not be taken (the line above says why)"
    end_logs
    exit 1
    ;;
esac
if [ "$lease" = on ]; then
  # Per-boot secret for the agent's loopback call to PocketBase (0600, pb_data).
  (umask 077 && od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$lease_state/secret")
  lease_cmd hold &
  agent=$!
fi

# --- restore -------------------------------------------------------------------------------------

if [ -e "$db" ]; then
  log "$db exists; not restoring (a restart on the same disk keeps its data)"
else
  # 2. Restore (also reads a v0.3 `generations/` replica, which `ltx` does not list).
  started=$(date +%s)
  run_litestream restore -config "$LITESTREAM_CONFIG" -if-db-not-exists -if-replica-exists "$db" ||
    die "restore from $replica_shown failed: $(last_line)"
  cat "$out" >&5

  if [ -e "$db" ]; then
    log "restored $db ($(wc -c <"$db" | tr -d ' ') bytes) from $replica_shown in $(($(date +%s) - started))s"
  elif [ "$ltx_files" -gt 0 ]; then
    die "the replica $replica_shown lists $ltx_files backup files but restore produced no database; not starting empty over it"
  else
    log "WARNING: no backup found at $replica_shown: starting an EMPTY database, which Litestream will replicate there"
  fi
fi
trap - TERM INT
rm -f "$out"
trap end_logs EXIT

# --- migrations, before Litestream -----------------------------------------------------------------

# PocketBase applies pending migrations when `serve` starts (after a restore: at least the
# auxiliary.db ones). Litestream, started at the same moment, writes its own bookkeeping into
# data.db; a migration that read first and then writes gets SQLITE_BUSY_SNAPSHOT (no busy-wait for
# that case) and PocketBase exits ("failed to save applied migration info ... database is
# locked"), seen in the tests under load. Applying them now, alone, leaves `serve` nothing to
# write at boot. It also creates data.db on a first start, so Litestream never waits for it, and
# it runs the pb-ops config check (a bad PB_* value stops here with its one line).
# shellcheck disable=SC2086 # pb_args holds checked, space-free words
"$POCKETBASE_BIN" migrate up $pb_args >&4 2>&4 || die "pocketbase migrate up failed (exit $?; its output is above)"

# --- run -----------------------------------------------------------------------------------------

log "starting PocketBase under Litestream (replica $replica_shown, sync every $LITESTREAM_SYNC_INTERVAL, metrics on $LITESTREAM_METRICS_ADDR)"
if [ "$lease" = on ]; then
  kill -0 "$agent" 2>/dev/null || die "the lease agent stopped before PocketBase started (a newer claim, or S3 unreachable); not starting"
  log "deploy lease held: PocketBase and Litestream run as siblings beside the lease agent"
  set +e
  "$LITESTREAM_BIN" replicate -config "$LITESTREAM_CONFIG" >&5 2>&5 &
  ls_pid=$!
  # shellcheck disable=SC2086
  "$POCKETBASE_BIN" serve --http "$HOST:$PORT" $pb_args "$@" >&4 2>&4 &
  pb_pid=$!
  echo "$ls_pid $pb_pid" >"$lease_state/pids"
  stop_litestream() {
    kill -TERM "$ls_pid" 2>/dev/null && wait "$ls_pid"
  }
  shutdown() {
    log "signal received: stopping PocketBase, then Litestream (last sync)"
    kill -TERM "$agent" 2>/dev/null
    kill -TERM "$pb_pid" 2>/dev/null
    wait "$pb_pid"
    stop_litestream
    # Released after the last sync, so the next container need not wait for the TTL.
    [ -z "$handed_over" ] && lease_cmd release
    end_logs
    exit 0
  }
  trap shutdown TERM INT
  handed_over=
  wait "$agent"
  rc=$?
  handed_over=yes
  case $rc in
    10 | 11)
      stop_litestream
      log "Litestream stopped (no more writes to $replica_shown from this container)"
      [ "$rc" = 10 ] && lease_cmd release
      log "handed over: serving reads only until stopped"
      wait "$pb_pid"
      rc=$?
      end_logs
      exit "$rc"
      ;;
    *)
      log "the lease agent exited ($rc): stopping PocketBase and Litestream; this container must not replicate without the lease"
      kill -TERM "$pb_pid" 2>/dev/null
      wait "$pb_pid"
      stop_litestream
      end_logs
      exit 1
      ;;
  esac
fi

# PocketBase inherits Litestream's stdout; `sh -c` points it back at fd 4 (kept open through
# Litestream, which does not close inherited descriptors), so its lines keep source "pocketbase".
exec_cmd="sh -c 'exec \"\$0\" \"\$@\" >&4 2>&4' $POCKETBASE_BIN serve --http $HOST:$PORT $pb_args"
for a in "$@"; do exec_cmd="$exec_cmd $a"; done
run_final 5 "$LITESTREAM_BIN" replicate -config "$LITESTREAM_CONFIG" -exec "$exec_cmd"

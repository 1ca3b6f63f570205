# shellcheck shell=bash
# Throwaway PostgreSQL server for the kr_ovid test suite.
#
#   source .ci/postgres.sh        # from bash; needs root only if PostgreSQL must be installed
#   pytest ...                    # tests marked `postgres` now run against it
#   kr_ovid_pg_stop               # optional (idempotent): also runs on shell EXIT
#
# What it does:
#   1. finds initdb/pg_ctl (PATH, else /usr/lib/postgresql/<newest>/bin); if absent, installs the
#      Debian `postgresql` package with apt-get (root or sudo), telling postgresql-common not to
#      create and start its default cluster on port 5432;
#   2. creates a cluster in a fresh temp dir owned by an unprivileged user (PostgreSQL refuses to
#      run as root: when run as root it uses the `postgres` OS user the package creates, else
#      `nobody`), password auth (scram) over TCP, random password;
#   3. starts it on 127.0.0.1 on a free port (retries on a port clash), waits until it accepts
#      connections, creates database `kr_ovid_test`;
#   4. exports KR_OVID_TEST_PG_DSN=postgresql://kr_ovid:<pw>@127.0.0.1:<port>/kr_ovid_test and
#      registers kr_ovid_pg_stop (stop server, delete the temp dir) on EXIT, chained after any
#      EXIT trap already set.
# If KR_OVID_TEST_PG_DSN is already set, nothing is done (use that server).
# fsync is off: the cluster is disposable and the tests never crash the server itself.

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    echo "postgres.sh: source this file (source .ci/postgres.sh), do not execute it" >&2
    exit 2
fi

_kr_ovid_pg_log() { echo "postgres.sh: $*" >&2; }

_kr_ovid_pg_bindir() {
    local initdb_path dir
    initdb_path=$(command -v initdb 2>/dev/null || true)
    if [ -n "$initdb_path" ]; then
        dir=$(dirname "$(readlink -f "$initdb_path")")
        if [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ]; then
            echo "$dir"
            return 0
        fi
    fi
    # Debian keeps the server binaries off PATH, one directory per major version.
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            echo "$dir"
            return 0
        fi
    done
    return 1
}

_kr_ovid_pg_install() {
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo="sudo"
        else
            _kr_ovid_pg_log "PostgreSQL is not installed and installing it needs root"
            return 1
        fi
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        _kr_ovid_pg_log "PostgreSQL is not installed and apt-get is not available"
        return 1
    fi
    # Debian's postgresql-common would create and start a "main" cluster on 5432; we only want
    # our throwaway one. This is the documented switch (postgresql-common README).
    if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
        $sudo mkdir -p /etc/postgresql-common || return 1
        echo "create_main_cluster = false" | $sudo tee /etc/postgresql-common/createcluster.conf >/dev/null || return 1
    fi
    _kr_ovid_pg_log "installing PostgreSQL from the Debian packages"
    local log
    log=$(mktemp "${TMPDIR:-/tmp}/kr-ovid-pg-apt.XXXXXX") || return 1
    if ! { $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
            $sudo env DEBIAN_FRONTEND=noninteractive UCF_FORCE_CONFFOLD=1 \
                apt-get install -y -qq --no-install-recommends \
                -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
                postgresql; } >"$log" 2>&1; then
        _kr_ovid_pg_log "apt-get failed:"; tail -n 40 "$log" >&2
        rm -f "$log"
        return 1
    fi
    rm -f "$log"
}

# Run a command as the cluster owner (PostgreSQL will not run as root).
_kr_ovid_pg_as_owner() {
    if [ -z "${_KR_OVID_PG_OWNER:-}" ]; then
        "$@"
    elif command -v runuser >/dev/null 2>&1; then
        runuser -u "$_KR_OVID_PG_OWNER" -- "$@"
    else
        su -s /bin/sh "$_KR_OVID_PG_OWNER" -c "$(printf '%q ' "$@")"
    fi
}

_kr_ovid_pg_port_free() {
    # A successful connect means something listens there already.
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

kr_ovid_pg_stop() {
    if [ -n "${_KR_OVID_PG_DIR:-}" ] && [ -d "$_KR_OVID_PG_DIR" ]; then
        if [ -f "$_KR_OVID_PG_DIR/data/postmaster.pid" ]; then
            _kr_ovid_pg_as_owner "$_KR_OVID_PG_BIN/pg_ctl" -D "$_KR_OVID_PG_DIR/data" \
                -m immediate -w -t 30 stop >/dev/null 2>&1 || true
        fi
        rm -rf "$_KR_OVID_PG_DIR"
    fi
    if [ -n "${_KR_OVID_PG_DIR:-}" ]; then
        unset KR_OVID_TEST_PG_DSN
    fi
    unset _KR_OVID_PG_DIR _KR_OVID_PG_BIN _KR_OVID_PG_OWNER
}

# Alias: either name works in a caller's cleanup code.
kr_ovid_pg_cleanup() { kr_ovid_pg_stop; }

_kr_ovid_pg_chain_exit_trap() {
    local previous
    previous=$(trap -p EXIT)
    if [ -n "$previous" ]; then
        # `trap -p` prints: trap -- 'command' EXIT
        eval "set -- $previous"
        case "$3" in
            kr_ovid_pg_stop*) return 0 ;;  # sourced twice: already chained
        esac
        # shellcheck disable=SC2064  # expand the previous command now, on purpose
        trap "kr_ovid_pg_stop; $3" EXIT
    else
        trap kr_ovid_pg_stop EXIT
    fi
}

kr_ovid_pg_start() {
    if [ -n "${KR_OVID_TEST_PG_DSN:-}" ]; then
        _kr_ovid_pg_log "KR_OVID_TEST_PG_DSN already set; using that server"
        return 0
    fi
    local bin dir password port attempt started=0
    bin=$(_kr_ovid_pg_bindir) || {
        _kr_ovid_pg_install || return 1
        bin=$(_kr_ovid_pg_bindir) || { _kr_ovid_pg_log "initdb not found after install"; return 1; }
    }
    _KR_OVID_PG_BIN=$bin
    _KR_OVID_PG_OWNER=""
    if [ "$(id -u)" -eq 0 ]; then
        if id postgres >/dev/null 2>&1; then
            _KR_OVID_PG_OWNER=postgres
        else
            _KR_OVID_PG_OWNER=nobody
        fi
    fi
    # As root the owner must be able to reach the directory: stay in /tmp, not a private TMPDIR.
    if [ -n "$_KR_OVID_PG_OWNER" ]; then
        dir=$(mktemp -d /tmp/kr-ovid-pg.XXXXXX) || return 1
    else
        dir=$(mktemp -d "${TMPDIR:-/tmp}/kr-ovid-pg.XXXXXX") || return 1
    fi
    _KR_OVID_PG_DIR=$dir
    _kr_ovid_pg_chain_exit_trap
    password=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
    printf '%s\n' "$password" >"$dir/pwfile"
    chmod 600 "$dir/pwfile"
    if [ -n "$_KR_OVID_PG_OWNER" ]; then
        chown -R "$_KR_OVID_PG_OWNER" "$dir" || { kr_ovid_pg_stop; return 1; }
    fi
    # Run from the temp dir: the owner may not be allowed to read the caller's working directory.
    if ! (cd "$dir" && _kr_ovid_pg_as_owner "$bin/initdb" -D "$dir/data" -U kr_ovid \
            --pwfile="$dir/pwfile" --auth-local=scram-sha-256 --auth-host=scram-sha-256 \
            -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1); then
        _kr_ovid_pg_log "initdb failed:"; cat "$dir/initdb.log" >&2
        kr_ovid_pg_stop
        return 1
    fi
    rm -f "$dir/pwfile"
    for attempt in 1 2 3 4 5 6 7 8 9 10; do
        port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        _kr_ovid_pg_port_free "$port" || continue
        if (cd "$dir" && _kr_ovid_pg_as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" \
                -w -t 60 -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c fsync=off -c full_page_writes=off -c max_connections=50" \
                start >/dev/null 2>&1); then
            started=1
            break
        fi
        _kr_ovid_pg_log "start on port $port failed (attempt $attempt), retrying"
    done
    if [ "$started" -ne 1 ]; then
        _kr_ovid_pg_log "could not start PostgreSQL; server log:"; cat "$dir/server.log" >&2
        kr_ovid_pg_stop
        return 1
    fi
    for attempt in $(seq 1 60); do
        if "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
            break
        fi
        sleep 0.5
    done
    if ! PGPASSWORD=$password "$bin/createdb" -h 127.0.0.1 -p "$port" -U kr_ovid kr_ovid_test; then
        _kr_ovid_pg_log "createdb failed; server log:"; cat "$dir/server.log" >&2
        kr_ovid_pg_stop
        return 1
    fi
    export KR_OVID_TEST_PG_DSN="postgresql://kr_ovid:${password}@127.0.0.1:${port}/kr_ovid_test"
    _kr_ovid_pg_log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data in $dir)"
}

kr_ovid_pg_start

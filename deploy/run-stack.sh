#!/usr/bin/env bash
# The services of compose.yaml without a container engine: a PostgreSQL cluster listening on
# 127.0.0.1 only, and the dashboard against it (migrations on start, the example data on first
# start), health check waited for. Needs Debian's postgresql package and the Python venv
# (`make venv`, or .venv made by `make run`/`make test`).
#
#   deploy/run-stack.sh start     start both (idempotent), wait until /_stcore/health answers
#   deploy/run-stack.sh stop      stop the dashboard, then PostgreSQL (the data stays)
#   deploy/run-stack.sh status    say what runs
#
# Settings (environment): UNION_STACK_DIR (default var/stack: pids, app output), UNION_STACK_PGDATA
# (default $UNION_STACK_DIR/pgdata; as root /var/tmp/union-stack-<port>, since PostgreSQL runs as
# the postgres user there), UNION_STACK_PG_PORT (55433), UNION_PORT (8501), UNION_SERVER_ADDRESS
# (default as `make run`), PYTHON (default .venv/bin/python), UNION_STACK_WAIT (120 s).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
STACK_DIR=${UNION_STACK_DIR:-$ROOT/var/stack}
PG_PORT=${UNION_STACK_PG_PORT:-55433}
APP_PORT=${UNION_PORT:-8501}
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
WAIT=${UNION_STACK_WAIT:-120}
if [[ $(id -u) == 0 ]]; then
    PGDATA=${UNION_STACK_PGDATA:-/var/tmp/union-stack-$PG_PORT}
    as_pg() { (cd / && runuser -u postgres -- "$@"); }
else
    PGDATA=${UNION_STACK_PGDATA:-$STACK_DIR/pgdata}
    as_pg() { "$@"; }
fi
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
DB_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/union"
APP_PID=$STACK_DIR/app.pid

say() { echo "run-stack: $*"; }
app_running() { [[ -s $APP_PID ]] && kill -0 "$(cat "$APP_PID")" 2>/dev/null; }
pg_running() { [[ -n $PGBIN ]] && as_pg "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; }

start_pg() {
    [[ -n $PGBIN ]] || { say "PostgreSQL is not installed (Debian: apt-get install postgresql)"; exit 1; }
    if [[ ! -s $PGDATA/PG_VERSION ]]; then
        mkdir -p "$PGDATA"
        [[ $(id -u) == 0 ]] && chown postgres:postgres "$PGDATA" && chmod 700 "$PGDATA"
        say "new PostgreSQL cluster in $PGDATA"
        as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! pg_running; then
        as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 60 \
            -o "-p $PG_PORT -k $PGDATA -c listen_addresses=127.0.0.1" start >/dev/null \
            || { cat "$PGDATA/server.log" >&2; exit 1; }
    fi
    if ! as_pg "$PGBIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc \
            "SELECT 1 FROM pg_database WHERE datname='union'" postgres | grep -q 1; then
        as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres union
    fi
    say "PostgreSQL on 127.0.0.1:$PG_PORT (database union)"
}

start_app() {
    mkdir -p "$STACK_DIR"
    if app_running; then
        say "dashboard already running (pid $(cat "$APP_PID"))"
    else
        # migrations and, on first start, the example data: python -m deploy.serve, then Streamlit
        UNION_DB_URL=$DB_URL nohup "$PYTHON" -m deploy.serve --server.port "$APP_PORT" --server.headless true \
            >"$STACK_DIR/app.out" 2>&1 &
        echo $! >"$APP_PID"
    fi
    local deadline=$(( $(date +%s) + WAIT ))
    until "$PYTHON" -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:$APP_PORT/_stcore/health', timeout=3).read() != b'ok')" 2>/dev/null; do
        if ! app_running; then
            say "the dashboard stopped; its output:"; tail -n 40 "$STACK_DIR/app.out" >&2; exit 1
        fi
        if (( $(date +%s) > deadline )); then
            say "no health answer within ${WAIT}s; output:"; tail -n 40 "$STACK_DIR/app.out" >&2; exit 1
        fi
        sleep 1
    done
    say "dashboard healthy: http://127.0.0.1:$APP_PORT (output in $STACK_DIR/app.out)"
}

stop_all() {
    if app_running; then
        local pid; pid=$(cat "$APP_PID")
        kill "$pid"
        for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
        say "dashboard stopped"
    fi
    rm -f "$APP_PID"
    if pg_running; then
        as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
        say "PostgreSQL stopped (data kept in $PGDATA)"
    fi
}

case "${1:-}" in
    start) start_pg; start_app ;;
    stop) stop_all ;;
    status)
        app_running && say "dashboard running (pid $(cat "$APP_PID"), port $APP_PORT)" || say "dashboard not running"
        pg_running && say "PostgreSQL running (port $PG_PORT, data $PGDATA)" || say "PostgreSQL not running" ;;
    *) echo "usage: deploy/run-stack.sh start|stop|status" >&2; exit 2 ;;
esac

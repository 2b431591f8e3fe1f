#!/bin/sh
# A local MLflow tracking server for dlpipe: MLflow from the project's
# virtual environment (scripts/setup-python.sh), a SQLite backend store and
# artifacts in a local folder, bound to 127.0.0.1.
#
#   scripts/mlflow-server.sh start [PORT]   start in the background (default 5000)
#   scripts/mlflow-server.sh stop           stop it
#   scripts/mlflow-server.sh status         print its address if it runs
#
# State lives in $DLPIPE_MLFLOW_DIR (default: .mlflow in the repository):
# mlflow.db, mlartifacts/, server.log, server.pid, server.port.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${DLPIPE_MLFLOW_DIR:-$root/.mlflow}
mlflow=$root/.venv/bin/mlflow
pidfile=$dir/server.pid
portfile=$dir/server.port

healthy() {
  python3 - "$1" <<'PY'
import sys, urllib.request
try:
    with urllib.request.urlopen("http://127.0.0.1:%s/health" % sys.argv[1], timeout=2) as r:
        sys.exit(0 if r.status == 200 else 1)
except Exception:
    sys.exit(1)
PY
}

running_port() {
  [ -f "$pidfile" ] && [ -f "$portfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null \
    && healthy "$(cat "$portfile")" && cat "$portfile"
}

case "${1:-}" in
start)
  port=${2:-5000}
  if p=$(running_port); then
    echo "MLflow server already running: http://127.0.0.1:$p"
    exit 0
  fi
  if healthy "$port"; then
    echo "mlflow-server.sh: something else answers on 127.0.0.1:$port; choose another port" >&2
    exit 1
  fi
  if [ ! -x "$mlflow" ]; then
    echo "mlflow-server.sh: $mlflow is missing; run scripts/setup-python.sh" >&2
    exit 1
  fi
  mkdir -p "$dir/mlartifacts"
  # Its own session, so that stop ends the server's worker processes too.
  # Background jobs (for GenAI evaluation) are not needed by dlpipe.
  rm -f "$pidfile"
  MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false setsid sh -c 'echo $$ >"$1"; shift; exec "$@"' sh \
    "$pidfile" "$mlflow" server --host 127.0.0.1 --port "$port" \
    --backend-store-uri "sqlite:///$dir/mlflow.db" \
    --artifacts-destination "$dir/mlartifacts" \
    --workers 1 >"$dir/server.log" 2>&1 </dev/null &
  echo "$port" >"$portfile"
  while [ ! -s "$pidfile" ]; do sleep 0.1; done
  tries=0
  until healthy "$port"; do
    tries=$((tries + 1))
    if [ $tries -gt 120 ] || ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      echo "mlflow-server.sh: the server did not start; see $dir/server.log" >&2
      tail -n 20 "$dir/server.log" >&2 || true
      exit 1
    fi
    sleep 0.5
  done
  echo "MLflow server running: http://127.0.0.1:$port (log: $dir/server.log)"
  ;;
stop)
  if [ -f "$pidfile" ]; then
    pid=$(cat "$pidfile")
    kill -TERM "-$pid" 2>/dev/null || true
    tries=0
    while kill -0 "$pid" 2>/dev/null && [ $tries -lt 40 ]; do
      sleep 0.25
      tries=$((tries + 1))
    done
    kill -KILL "-$pid" 2>/dev/null || true
    rm -f "$pidfile" "$portfile"
    echo "MLflow server stopped"
  fi
  ;;
status)
  if p=$(running_port); then
    echo "http://127.0.0.1:$p"
  else
    echo "no MLflow server from $dir is running" >&2
    exit 1
  fi
  ;;
*)
  echo "usage: $0 start [PORT] | stop | status" >&2
  exit 2
  ;;
esac

#!/bin/sh
# Records the corpus of the mlflow fuzz target: what real MLflow servers
# (from the project's virtual environment) answer to the calls of
# drive-tracker.c, in the states worth seeing: a new experiment, an
# existing one, redelivered calls, a continued run, a missing run, a
# changed param, a deleted experiment, MLflow's plain-text 403 host check
# and basic authentication's 401.
#
#   tests/tracking/fuzz/record-corpus.sh [BUILDDIR]      (default: build)
set -eu
root=$(cd "$(dirname "$0")/../../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
record=$build/tests/tracking/record-mlflow
python=$root/.venv/bin/python3
out=$root/tests/tracking/fuzz/corpus/mlflow
work=$(mktemp -d)
pids=""
cleanup() {
  for pid in $pids; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  sleep 1
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$out"

free_port() {
  "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start NAME PORT [ARGS...]: a server with its store in $work/NAME.
start() {
  name=$1 port=$2
  shift 2
  mkdir -p "$work/$name"
  MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false setsid "$python" -m mlflow server --host 127.0.0.1 \
    --port "$port" --backend-store-uri "sqlite:///$work/$name/mlflow.db" \
    --artifacts-destination "$work/$name/mlartifacts" --workers 1 "$@" \
    >"$work/$name/log" 2>&1 &
  pids="$pids $!"
  for _ in $(seq 600); do
    if "$python" -c "import urllib.request, sys; urllib.request.urlopen('http://127.0.0.1:$port/health')" 2>/dev/null; then
      return
    fi
    sleep 0.1
  done
  echo "record-corpus.sh: the $name server did not start; see $work/$name/log" >&2
  exit 1
}

api() {
  "$python" - "$@" <<'EOF'
import json, sys, urllib.request
uri, path, body, member = sys.argv[1:5]
data = body.encode() if body else None
req = urllib.request.Request(uri + "/api/2.0/mlflow/" + path, data=data,
                             headers={"Content-Type": "application/json"})
answer = json.load(urllib.request.urlopen(req))
for key in member.split(".") if member else []:
    answer = answer[int(key)] if isinstance(answer, list) else answer[key]
print(answer if member else "")
EOF
}

port=$(free_port)
uri=http://127.0.0.1:$port
start plain "$port"
"$record" --uri "$uri" --out "$out/new-experiment"
"$record" --uri "$uri" --out "$out/existing-experiment"
"$record" --uri "$uri" --out "$out/redelivery" --redelivery
"$record" --uri "$uri" --out "$out/changed-param" --redelivery --changed
exp=$(api "$uri" experiments/get-by-name?experiment_name=fuzz "" experiment.experiment_id)
run=$(api "$uri" runs/search "{\"experiment_ids\": [\"$exp\"], \"max_results\": 1}" runs.0.info.run_id)
"$record" --uri "$uri" --out "$out/continue" --continue "$run"
"$record" --uri "$uri" --out "$out/missing-run" --continue 00000000000000000000000000000000
api "$uri" experiments/delete "{\"experiment_id\": \"$exp\"}" ""
"$record" --uri "$uri" --out "$out/deleted-experiment"

port=$(free_port)
start hosts "$port" --allowed-hosts "127.0.0.1:$port"
"$record" --uri "http://localhost:$port" --out "$out/host-check-403"

port=$(free_port)
cat >"$work/auth.ini" <<EOF
[mlflow]
default_permission = READ
database_uri = sqlite:///$work/auth.db
admin_username = admin
admin_password = record-corpus-secret
authorization_function = mlflow.server.auth:authenticate_request_basic_auth
EOF
export MLFLOW_AUTH_CONFIG_PATH="$work/auth.ini" MLFLOW_FLASK_SERVER_SECRET_KEY=record-corpus
start auth "$port" --app-name basic-auth
"$record" --uri "http://127.0.0.1:$port" --out "$out/basic-auth-401"

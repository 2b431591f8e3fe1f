#!/bin/sh
# Soak test of `dlpipe serve` (not run in CI): SECONDS (default 600) of wrk
# load cycling through valid and malformed requests (JSON of every kind
# of mistake, CSV, an unknown content type, a body over the size limit).
# Passes if the server never dies, every answer is the expected one (the
# valid ones as `dlpipe predict` scores the same rows), its resident
# memory stays flat after the first minute, and SIGTERM then stops it
# with status 0.
#
#   bench/serve/soak.sh [BUILD_DIR] [SECONDS] [CONNECTIONS]
#
# The package is $DLP_BENCH_MODEL, or the default pipeline trained for
# one epoch. Needs wrk and python3-numpy (scripts/install-deps.sh).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
seconds=${2:-600}
connections=${3:-4}
dlpipe=$build/host/dlpipe
work=$(mktemp -d)
server_pid=
sampler_pid=
cleanup () {
  [ -n "$sampler_pid" ] && kill "$sampler_pid" 2>/dev/null || true
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

model=${DLP_BENCH_MODEL:-}
if [ -z "$model" ]; then
  cp "$root/params.yaml" "$work/"
  (cd "$work" && "$dlpipe" -q run --set train.epochs=1 --set 'tracking={tracker: none}') >&2
  model=$work/models/final
fi

# The requests, from Fashion-MNIST's test images.
/usr/bin/python3 - "$work" <<'PY'
import gzip, json, sys
import numpy as np
w = sys.argv[1]
raw = gzip.open("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz").read()
images = np.frombuffer(raw, np.uint8, offset=16).reshape(-1, 28, 28)
def put(name, text):
    open(f"{w}/{name}", "w").write(text)
put("valid1.json", json.dumps({"inputs": [images[0].tolist()]}))
put("valid3.json", json.dumps({"dataframe_split": {"data": images[1:4].reshape(3, -1).tolist()}}))
put("valid.csv", ",".join(f"image_{i}" for i in range(784)) + "\n"
    + "".join(",".join(map(str, im.ravel())) + "\n" for im in images[4:6]))
put("bad-json.json", json.dumps({"inputs": [images[0].tolist()]})[:-7])
put("bad-field.json", json.dumps({"input": [images[0].tolist()]}))
put("bad-shape.json", json.dumps({"inputs": [images[0].ravel()[:700].tolist()]}))
put("bad-pixel.json", json.dumps({"inputs": [[300] * 784]}))
put("bad.csv", ",".join(f"image_{i}" for i in range(784)) + "\n")
put("big.json", json.dumps({"inputs": images[:100].tolist()}))
PY

# What valid requests must be answered: what dlpipe predict says.
for f in valid1.json valid3.json valid.csv; do
  "$dlpipe" -q predict -m "$model" -i "$work/$f" -o "$work/$f.answer.json"
done
label=$(sed 's/^{"predictions": \["\([^"]*\)".*/\1/' "$work/valid1.json.answer.json")
prefix () { printf '%s' "$2" > "$work/$1"; }
prefix p-proba "{\"predictions\": [{\"label\": \"$label\", \"probabilities\": {"
prefix p-invalid '{"error_code": "BAD_REQUEST", "message": "invalid JSON at byte'
prefix p-fields '{"error_code": "BAD_REQUEST", "message": "The input must be a JSON object'
prefix p-row '{"error_code": "BAD_REQUEST", "message": "row 0, column '"'"'image'"'"
prefix p-csv '{"error_code": "BAD_REQUEST", "message": "CSV body: no rows to score'
prefix p-type 'This predictor only supports the following content types'
prefix p-large '{"error_code": "BAD_REQUEST", "message": "request body: '
tab=$(printf '\t')
{
  echo "/invocations${tab}application/json${tab}$work/valid1.json${tab}200${tab}exact${tab}$work/valid1.json.answer.json"
  echo "/invocations${tab}application/json${tab}$work/bad-json.json${tab}400${tab}prefix${tab}$work/p-invalid"
  echo "/invocations${tab}application/json${tab}$work/valid3.json${tab}200${tab}exact${tab}$work/valid3.json.answer.json"
  echo "/invocations${tab}application/json${tab}$work/bad-field.json${tab}400${tab}prefix${tab}$work/p-fields"
  echo "/invocations${tab}text/csv${tab}$work/valid.csv${tab}200${tab}exact${tab}$work/valid.csv.answer.json"
  echo "/invocations${tab}application/json${tab}$work/bad-shape.json${tab}400${tab}prefix${tab}$work/p-row"
  echo "/invocations?probabilities=true${tab}application/json${tab}$work/valid1.json${tab}200${tab}prefix${tab}$work/p-proba"
  echo "/invocations${tab}application/json${tab}$work/bad-pixel.json${tab}400${tab}prefix${tab}$work/p-row"
  echo "/invocations${tab}text/csv${tab}$work/bad.csv${tab}400${tab}prefix${tab}$work/p-csv"
  echo "/invocations${tab}text/plain${tab}$work/valid1.json${tab}415${tab}prefix${tab}$work/p-type"
  echo "/invocations${tab}application/json${tab}$work/big.json${tab}413${tab}prefix${tab}$work/p-large"
} > "$work/cases.txt"

# Whether a server on port $1 answers GET /ping.
answers () {
  /usr/bin/python3 -c 'import sys, urllib.request
urllib.request.urlopen(sys.argv[1], timeout=5)' "http://127.0.0.1:$1/ping" 2>/dev/null
}

DLPIPE_LIMIT_HTTP_BODY_BYTES=262144 "$dlpipe" serve --model "$model" --port 0 \
  > "$work/server.out" 2> "$work/server.err" &
server_pid=$!
port=
for _ in $(seq 300); do
  # The whole line, and a server that answers on it.
  port=$(sed -n 's/^listening on http:\/\/127.0.0.1:\([0-9]*\)$/\1/p' "$work/server.out")
  [ -n "$port" ] && answers "$port" && break
  port=
  sleep 0.1
done
[ -n "$port" ] || { cat "$work/server.err" >&2; exit 1; }

# Resident memory every 10 s.
( while kill -0 "$server_pid" 2>/dev/null; do
    sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$server_pid/status"
    sleep 10
  done ) > "$work/rss.txt" &
sampler_pid=$!

echo "soak: ${seconds} s, ${connections} connections, server pid $server_pid on port $port"
wrk -t"$connections" -c"$connections" -d"${seconds}s" --timeout 10s --latency \
  -s "$root/bench/serve/soak.lua" "http://127.0.0.1:$port/" -- "$work/cases.txt" \
  > "$work/wrk.txt" 2> "$work/wrk.err" || true
kill "$sampler_pid" 2>/dev/null || true
sampler_pid=
cat "$work/wrk.txt"
head -5 "$work/wrk.err"

status=0
if ! kill -0 "$server_pid" 2>/dev/null; then
  echo "FAIL: the server died" >&2
  cat "$work/server.err" >&2
  exit 1
fi
checked=$(sed -n 's/^checked \([0-9]*\) answers, \([0-9]*\) wrong$/\1/p' "$work/wrk.txt")
wrong=$(sed -n 's/^checked \([0-9]*\) answers, \([0-9]*\) wrong$/\2/p' "$work/wrk.txt")
if [ -z "$checked" ] || [ "$checked" -eq 0 ] || [ "$wrong" -ne 0 ]; then
  echo "FAIL: ${wrong:-?} wrong answers of ${checked:-?}" >&2
  status=1
fi

# Flat: after the first minute, at most 10 % or 16 MiB above that minute.
/usr/bin/python3 - "$work/rss.txt" <<'PY' || status=1
import sys
kb = [int(l) for l in open(sys.argv[1]) if l.strip()]
print("resident memory (MiB, every 10 s): " + " ".join(f"{k / 1024:.0f}" for k in kb))
if len(kb) < 8:
    print("too short a run to judge memory")
    sys.exit(0)
base, last, peak = kb[6], kb[-1], max(kb[6:])
limit = max(base * 1.10, base + 16 * 1024)
print(f"after one minute {base / 1024:.1f} MiB, at the end {last / 1024:.1f} MiB, "
      f"peak {peak / 1024:.1f} MiB (limit {limit / 1024:.1f} MiB)")
if last > limit:
    print("FAIL: resident memory grew", file=sys.stderr)
    sys.exit(1)
PY

kill -TERM "$server_pid"
if wait "$server_pid"; then
  echo "SIGTERM: exit status 0"
else
  echo "FAIL: exit status $? after SIGTERM" >&2
  status=1
fi
server_pid=
[ "$status" -eq 0 ] && echo "soak: passed"
exit "$status"

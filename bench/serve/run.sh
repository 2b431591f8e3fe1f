#!/bin/sh
# Single-row scoring over HTTP: `dlpipe serve` against the same trained
# Fashion-MNIST CNN (the same weights) in PyTorch behind a minimal Python
# HTTP server (torch_server.py), and in Keras as an MLflow model served by
# `mlflow models serve --env-manager local` (mlflow_keras.py), in one run
# on one machine. Each server runs alone while wrk loads it with one raw
# test image per request; rounds are interleaved and the best round of
# each configuration is kept.
#
#   bench/serve/run.sh [BUILD_DIR] [SECONDS] [ROUNDS] > bench/serve/results.md
#
# The package comes from the default pipeline (params.yaml) trained for
# one epoch (throughput does not depend on accuracy), or from
# $DLP_BENCH_MODEL if set. Needs wrk and Debian's python3-torch
# (scripts/install-deps.sh); the MLflow peer runs from the peers' virtual
# environment ($PEERS_VENV, default bench/.peers-venv, made by
# bench/train/setup-peers.sh) and is left out, saying so, without it.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
seconds=${2:-10}
rounds=${3:-2}
dlpipe=$build/host/dlpipe
here=$root/bench/serve
work=$(mktemp -d)
peers=${PEERS_VENV:-$root/bench/.peers-venv}
server_pid=
# A server and every process it started (mlflow runs uvicorn workers).
kill_tree () {
  for child in $(pgrep -P "$1"); do kill_tree "$child"; done
  kill "$1" 2>/dev/null || true
}
cleanup () {
  if [ -n "$server_pid" ]; then kill_tree "$server_pid"; fi
  rm -rf "$work"
}
trap cleanup EXIT

model=${DLP_BENCH_MODEL:-}
if [ -z "$model" ]; then
  cp "$root/params.yaml" "$work/"
  (cd "$work" && "$dlpipe" -q run --set train.epochs=1 --set 'tracking={tracker: none}') >&2
  model=$work/models/final
fi

# The request body: the first test image, raw pixels as nested lists.
/usr/bin/python3 - "$work/body.json" <<'PY'
import gzip, json, sys
import numpy as np
raw = gzip.open("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz").read()
image = np.frombuffer(raw, np.uint8, offset=16)[:784].reshape(28, 28)
json.dump({"inputs": [image.tolist()]}, open(sys.argv[1], "w"))
PY
cat > "$work/post.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$work/body.json", "r")
wrk.body = f:read("*a")
f:close()
EOF

# Whether a server on port $1 answers GET /ping.
answers () {
  /usr/bin/python3 -c 'import sys, urllib.request
urllib.request.urlopen(sys.argv[1], timeout=5)' "http://127.0.0.1:$1/ping" 2>/dev/null
}

# POSTs the body once; prints the answer.
ask () {
  /usr/bin/python3 -c 'import sys, urllib.request
req = urllib.request.Request(sys.argv[1], data=open(sys.argv[2], "rb").read(),
                             headers={"Content-Type": "application/json"})
print(urllib.request.urlopen(req).read().decode().strip())' \
    "http://127.0.0.1:$port/invocations" "$work/body.json"
}

# Starts a server in the background; sets server_pid and port. With
# FIXED_PORT set, the server listens there; otherwise it prints the port.
start () {
  "$@" > "$work/server.out" 2> "$work/server.err" &
  server_pid=$!
  port=
  for _ in $(seq 600); do
    # The whole line, and a server that answers on it.
    port=${FIXED_PORT:-$(sed -n 's/^listening on http:\/\/127.0.0.1:\([0-9]*\)$/\1/p' "$work/server.out")}
    [ -n "$port" ] && answers "$port" && break
    port=
    sleep 0.1
  done
  if [ -z "$port" ]; then
    echo "server did not start: $*" >&2
    cat "$work/server.err" >&2
    exit 1
  fi
}

stop () {
  kill_tree "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=
}

# The user and system ticks of the server and all its descendants.
tree_ticks () {
  /usr/bin/python3 - "$server_pid" <<'PY'
import os, sys
stats = {}
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        f = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
    except OSError:
        continue
    stats[int(pid)] = (int(f[1]), int(f[11]) + int(f[12]))
tree, grew = {int(sys.argv[1])}, True
while grew:
    more = {p for p, (ppid, _) in stats.items() if ppid in tree} - tree
    tree |= more
    grew = bool(more)
print(sum(stats[p][1] for p in tree if p in stats))
PY
}

# A port nothing listens on.
free_port () {
  /usr/bin/python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# One wrk run; prints a JSON line.
measure () {
  name=$1 connections=$2
  ask > /dev/null
  wrk -t1 -c"$connections" -d2s -s "$work/post.lua" "http://127.0.0.1:$port/invocations" > /dev/null
  cpu_before=$(tree_ticks)
  wrk -t1 -c"$connections" -d"${seconds}s" --latency -s "$work/post.lua" \
    "http://127.0.0.1:$port/invocations" > "$work/wrk.txt"
  cpu_after=$(tree_ticks)
  /usr/bin/python3 - "$name" "$connections" "$work/wrk.txt" "$cpu_before" "$cpu_after" \
    "$(getconf CLK_TCK)" <<'PY'
import json, re, sys
name, conns, text = sys.argv[1], int(sys.argv[2]), open(sys.argv[3]).read()
ticks = int(sys.argv[5]) - int(sys.argv[4])
requests = int(re.search(r"(\d+) requests in", text).group(1))
def ms(v, unit):
    return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
p50 = ms(*re.search(r"\s50%\s+([\d.]+)(us|ms|s)", text).groups())
p99 = ms(*re.search(r"\s99%\s+([\d.]+)(us|ms|s)", text).groups())
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
errors = re.search(r"Socket errors: (.*)", text)
print(json.dumps({"server": name, "connections": conns, "rps": rps, "p50_ms": p50, "p99_ms": p99,
                  "cpu_us_per_request": round(ticks / int(sys.argv[6]) * 1e6 / max(requests, 1)),
                  "non_2xx": int(bad.group(1)) if bad else 0,
                  "socket_errors": errors.group(1) if errors else ""}))
PY
}

# Both servers must give the same answer before they are timed.
start "$dlpipe" -q serve --model "$model" --port 0
want=$(ask)
stop
start /usr/bin/python3 "$here/torch_server.py" "$model" 0 1
got=$(ask)
stop
if [ "$want" != "$got" ]; then
  echo "the servers disagree: dlpipe $want, PyTorch $got" >&2
  exit 1
fi

# The MLflow peer answers with probabilities: its most probable class
# must be dlpipe's.
mlflow_model=
if [ -x "$peers/bin/mlflow" ]; then
  index=$("$peers/bin/python3" "$here/mlflow_keras.py" "$model" "$work/mlflow-keras" \
    "$work/body.json" 2> "$work/keras.err") || { cat "$work/keras.err" >&2; exit 1; }
  class=$(/usr/bin/python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["classes"][int(sys.argv[2])])' "$model/dlpipe.json" "$index")
  FIXED_PORT=$(free_port)
  start env PATH="$peers/bin:$PATH" mlflow models serve -m "$work/mlflow-keras" --env-manager local \
    -h 127.0.0.1 -p "$FIXED_PORT" -w 1
  got=$(ask)
  stop
  FIXED_PORT=
  top=$(/usr/bin/python3 -c 'import json, sys
p = json.loads(sys.argv[1])["predictions"][0]
print(max(range(len(p)), key=p.__getitem__))' "$got")
  if [ "$top" != "$index" ] || [ "{\"predictions\": [\"$class\"]}" != "$want" ]; then
    echo "the servers disagree: dlpipe $want, MLflow's Keras model $got (class $class)" >&2
    exit 1
  fi
  mlflow_model=$work/mlflow-keras
  mlflow_version=$("$peers/bin/python3" -c 'import mlflow, keras, tensorflow
print("MLflow", mlflow.__version__, "Keras", keras.__version__, "on TensorFlow", tensorflow.__version__)')
else
  echo "no $peers/bin/mlflow (bench/train/setup-peers.sh): the MLflow peer is left out" >&2
  mlflow_version=
fi

: > "$work/runs.jsonl"
for r in $(seq "$rounds"); do
  for c in 8 32; do
    start "$dlpipe" -q serve --model "$model" --port 0
    measure "dlpipe" "$c" >> "$work/runs.jsonl"
    stop
    start "$dlpipe" -q serve --model "$model" --port 0 --batch-rows 1
    measure "dlpipe, no batching" "$c" >> "$work/runs.jsonl"
    stop
    start "$dlpipe" -q serve --model "$model" --port 0 --batch-wait 200
    measure "dlpipe, batch wait 200 us" "$c" >> "$work/runs.jsonl"
    stop
    for threads in 1 2; do
      start /usr/bin/python3 "$here/torch_server.py" "$model" 0 "$threads"
      measure "PyTorch, $threads thread$( [ "$threads" = 1 ] || echo s)" "$c" >> "$work/runs.jsonl"
      stop
    done
    if [ -n "$mlflow_model" ]; then
      for workers in 1 2; do
        FIXED_PORT=$(free_port)
        start env PATH="$peers/bin:$PATH" mlflow models serve -m "$mlflow_model" --env-manager local \
          -h 127.0.0.1 -p "$FIXED_PORT" -w "$workers"
        measure "MLflow Keras, $workers worker$( [ "$workers" = 1 ] || echo s)" "$c" \
          >> "$work/runs.jsonl"
        stop
        FIXED_PORT=
      done
    fi
  done
done

/usr/bin/python3 - "$work/runs.jsonl" "$seconds" "$rounds" "$want" "$mlflow_version" <<'PY'
import json, os, platform, subprocess, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
seconds, rounds, answer, mlflow_version = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
torch = subprocess.run(["/usr/bin/python3", "-c", "import torch; print(torch.__version__)"],
                       capture_output=True, text=True).stdout.strip()
wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
load = os.getloadavg()
print("# Serving: dlpipe serve against PyTorch behind a Python HTTP server"
      + (" and MLflow serving Keras" if mlflow_version else "") + "\n")
print(f"Machine: {cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}; "
      f"PyTorch {torch}; {mlflow_version or 'no MLflow peer'}; {wrk.strip()}; "
      f"load average at the end {load[0]:.2f}. "
      f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}.\n")
print("Single-row requests to the Fashion-MNIST CNN package of the default pipeline (one "
      "epoch): POST /invocations with `{\"inputs\": [28x28 raw pixels]}`, answered "
      f"`{answer.strip()}` by both. wrk with one thread and 8 or 32 connections, "
      f"{seconds} s after 2 s of warm-up, each server alone on the machine; best of "
      f"{rounds} interleaved rounds. dlpipe runs one scoring worker per CPU; by default a "
      "worker takes its share of the requests queued (the queue divided among the workers, "
      "up to 32) and scores them in one forward pass. CPU is the server's user and system "
      "time per answered request, all threads. "
      "The PyTorch peer is torch_server.py: Python's ThreadingHTTPServer with keep-alive and "
      "TCP_NODELAY, the same weights, torch.no_grad(). The MLflow peer is the same network "
      "and weights in Keras (TensorFlow backend), with the package's preprocessing as "
      "Rescaling and Reshape layers, saved with mlflow.keras.save_model and served by "
      "`mlflow models serve --env-manager local` with 1 or 2 uvicorn workers; it answers "
      "with the probabilities, whose most probable class is dlpipe's answer.\n")
print("| server | connections | requests/s | p50 | p99 | CPU per request | errors |")
print("|---|---|---|---|---|---|---|")
names = []
for r in runs:
    if r["server"] not in names:
        names.append(r["server"])
best = {}
for c in sorted({r["connections"] for r in runs}):
    for n in names:
        rs = [r for r in runs if r["server"] == n and r["connections"] == c]
        if not rs:
            continue
        b = max(rs, key=lambda r: r["rps"])
        best[(n, c)] = b
        errors = sum(r["non_2xx"] for r in rs)
        print(f"| {n} | {c} | {b['rps']:,.0f} | {b['p50_ms']:.2f} ms | {b['p99_ms']:.2f} ms | "
              f"{b['cpu_us_per_request']} us | "
              f"{errors or ''}{' ' + b['socket_errors'] if b['socket_errors'] else ''} |")
families = [f for f in ("PyTorch", "MLflow Keras") if any(n.startswith(f) for n in names)]
print("\n| connections | best dlpipe | dlpipe p99 | "
      + " | ".join(f"best {f} | {f} p99 | dlpipe / {f}" for f in families) + " |")
print("|---|---|---|" + "---|---|---|" * len(families))
for c in sorted({r["connections"] for r in runs}):
    d = max((v for (n, cc), v in best.items() if cc == c and n.startswith("dlpipe")), key=lambda r: r["rps"])
    row = f"| {c} | {d['rps']:,.0f} ({d['server']}) | {d['p99_ms']:.2f} ms |"
    for f in families:
        t = max((v for (n, cc), v in best.items() if cc == c and n.startswith(f)), key=lambda r: r["rps"])
        row += f" {t['rps']:,.0f} ({t['server']}) | {t['p99_ms']:.2f} ms | {d['rps'] / t['rps']:.1f}x |"
    print(row)
print("\nRaw runs:\n\n```")
for r in runs:
    print(json.dumps(r))
print("```")
PY

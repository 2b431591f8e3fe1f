#!/bin/sh
# Training-step speed of dlpipe's engine against PyTorch, in one run on
# one machine: forward, softmax cross-entropy and backward of the three
# Fashion-MNIST models at batch 64 (no optimizer), each engine in each of
# its threading modes, interleaved, best of REPEATS runs of SECONDS.
#
#   bench/engine/run.sh [BUILD_DIR] [REPEATS] [SECONDS] > bench/engine/results.md
#
# PyTorch is Debian's python3-torch (/usr/bin/python3), run with glibc's
# mmap threshold raised, its best configuration on this machine. With
# PEER=1 the run also times one full training epoch of the peer,
# /work/shared/peers/torch_fashion.py (or $PEER_SCRIPT), which the
# trainer's speed targets are measured against.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
repeats=${2:-3}
seconds=${3:-3}
bench=$build/tests/engine/bench-engine
plugins=$build/plugins
torch_py=$root/bench/engine/torch_fwdbwd.py
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

for r in $(seq "$repeats"); do
  for model in mlp cnn lstm; do
    for mode in blas1 blas2 split2; do
      "$bench" "$plugins" "$model" "$mode" "$seconds" >> "$tmp"
    done
    for threads in 1 2; do
      MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=4294967296 \
        /usr/bin/python3 "$torch_py" "$model" "$threads" "$seconds" >> "$tmp"
    done
  done
done

if [ "${PEER:-0}" = 1 ]; then
  peer=${PEER_SCRIPT:-/work/shared/peers/torch_fashion.py}
  for model in mlp cnn lstm; do
    MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=4294967296 \
      /usr/bin/python3 "$peer" "$model" 1 2 >> "$tmp"
  done
fi

/usr/bin/python3 - "$tmp" <<'PY'
import json, os, platform, subprocess, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
peers = {r["model"]: r for r in rows if "peer" in r}
rows = [r for r in rows if "peer" not in r]
def best(pred):
    v = [r["samples_per_s"] for r in rows if pred(r)]
    return max(v) if v else 0
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
load = os.getloadavg()
core = next((r["blas_core"] for r in rows if "blas_core" in r), "?")
torch_v = next((r["engine"] for r in rows if r["engine"].startswith("pytorch")), "?")
print("# Engine training-step speed: dlpipe against PyTorch\n")
print(f"Machine: {cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}; "
      f"OpenBLAS kernels {core} (OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}); "
      f"{torch_v}; load average at the end {load[0]:.2f}.\n")
print("Forward, softmax cross-entropy and backward at batch 64, no optimizer; samples per "
      "second, best of the runs. dlpipe modes: blas1 = one thread; blas2 = OpenBLAS on two "
      "threads; split2 = the engine splits each batch over two threads.\n")
print("| model | dlpipe blas1 | dlpipe blas2 | dlpipe split2 | PyTorch 1 thread | PyTorch 2 threads | best dlpipe / best PyTorch |")
print("|---|---|---|---|---|---|---|")
for m in ["mlp", "cnn", "lstm"]:
    d = {mode: best(lambda r, mode=mode: r["engine"] == "dlpipe" and r["model"] == m and r["mode"] == mode)
         for mode in ["blas1", "blas2", "split2"]}
    t = {n: best(lambda r, n=n: r["engine"] != "dlpipe" and r["model"] == m and r["threads"] == n)
         for n in [1, 2]}
    ratio = max(d.values()) / max(t.values()) if max(t.values()) else float("nan")
    print(f"| {m} | {d['blas1']:,} | {d['blas2']:,} | {d['split2']:,} | {t[1]:,} | {t[2]:,} | {ratio:.2f}x |")
if peers:
    print("\nThe peer's full training epoch (torch_fashion.py: data indexing, forward, backward, "
          "Adam), in the same run, against dlpipe's forward and backward alone:\n")
    print("| model | peer samples/s (2 threads) | best dlpipe forward+backward | ratio |")
    print("|---|---|---|---|")
    for m in ["mlp", "cnn", "lstm"]:
        if m in peers:
            d = best(lambda r: r["engine"] == "dlpipe" and r["model"] == m)
            p = peers[m]["samples_per_s"]
            print(f"| {m} | {p:,} | {d:,} | {d / p:.2f}x |")
print("\nRaw runs:\n\n```")
for r in rows + list(peers.values()):
    print(json.dumps(r))
print("```")
PY

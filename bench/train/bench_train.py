"""One training epoch of each Fashion-MNIST model: dlpipe against today's
peers, every system in its best configuration, in one run on one machine.

Peers (../shared/peers/ of the project's workspace, or $PEERS_DIR):
  - PyTorch 2.x from PyPI: fp32 and bf16 autocast (PEER_AMP=bf16), 1 and 2
    threads;
  - Keras 3 on TensorFlow (tensorflow-cpu) and on JAX, 2 threads, steady
    state (the fastest of 2 epochs);
  - PyTorch 1.13 from Debian, a historical row, not counted as a peer.
The PyPI peers live in a virtual environment of their own, made by
bench/train/setup-peers.sh ($PEERS_VENV, default bench/.peers-venv).

dlpipe runs on oneDNN and, as a row of its own, on OpenBLAS
(DLPIPE_KERNELS=openblas), at 1 and 2 threads; its best counts. The table
gives samples per second, test accuracy after the epoch, peak resident
memory, and effective GFLOP/s (the model's training FLOPs per sample,
counted below, times samples per second) beside the kernel peak that
bench/train/matmul-probe measures in the same run, at the models' own
matrix shapes and the same thread count.

Usage: python3 bench/train/bench_train.py [MODEL...] > bench/train/results.txt
Needs an idle machine: a second busy process makes every figure wrong."""
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("BUILD_DIR", os.path.join(ROOT, "build"))
DLPIPE = os.path.join(BUILD, "host", "dlpipe")
PROBE = os.path.join(BUILD, "tests", "engine", "matmul-probe")
PEERS_DIR = os.environ.get("PEERS_DIR", os.path.join(os.path.dirname(ROOT), "shared", "peers"))
PEERS_VENV = os.environ.get("PEERS_VENV", os.path.join(ROOT, "bench", ".peers-venv"))
PEERS_PY = os.path.join(PEERS_VENV, "bin", "python3")
OFF = ["--set", "tracking.tracker=none"]

# Training FLOPs per sample: 2 per multiply-add, forward, the weight
# gradient and the input gradient (but the first layer's), batch 64.
#   mlp  784-256-128-10: forward 2 * (784*256 + 256*128 + 128*10)
#   cnn  conv32 3x3 on 28x28 (26x26 out), pool, conv64 3x3 (11x11 out),
#        pool, dense 1600-128-10
#   lstm 128 units over 28 rows of 28, dense 128-10
def _flops():
    mlp = [784 * 256, 256 * 128, 128 * 10]
    cnn = [26 * 26 * 32 * 9, 11 * 11 * 64 * 32 * 9, 1600 * 128, 128 * 10]
    lstm = [28 * (28 * 512 + 128 * 512), 128 * 10]
    out = {}
    for name, macs in (("mlp", mlp), ("cnn", cnn), ("lstm", lstm)):
        # 3 products per layer, 2 for the first (no input gradient).
        out[name] = 2.0 * (3 * sum(macs) - macs[0])
    return out


FLOPS = _flops()


def run_measured(argv, env=None, cwd=None):
    """Runs @argv in a fresh process, forked from a small helper so that
    ru_maxrss is this child's alone; returns (stdout, peak RSS in MB)."""
    helper = ("import resource, subprocess, sys, json\n"
              "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
              "r = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
              "print(json.dumps({'rc': p.returncode, 'out': p.stdout, 'err': p.stderr, 'rss_kb': r}))\n")
    p = subprocess.run([sys.executable, "-c", helper] + argv, capture_output=True, text=True,
                       env=env, cwd=cwd)
    r = json.loads(p.stdout)
    if r["rc"] != 0:
        raise RuntimeError("%s failed:\n%s" % (" ".join(argv), r["err"][-2000:]))
    return r["out"], r["rss_kb"] / 1024.0


def dlpipe_prepare(model, tmp):
    d = os.path.join(tmp, model)
    os.makedirs(d)
    shutil.copy(os.path.join(ROOT, "pipelines", "fashion-mnist-" + model, "params.yaml"), d)
    subprocess.run([DLPIPE, "-q", "run", "--only", "data_ingestion", "--only", "data_transformation",
                    "--only", "data_split", "--only", "model_builder"] + OFF, cwd=d, check=True)
    return d


def dlpipe_epoch(d, threads, kernels):
    env = dict(os.environ)
    if kernels == "openblas":
        env["DLPIPE_KERNELS"] = "openblas"
    _, rss = run_measured([DLPIPE, "-q", "stage", "model_trainer", "--set", "train.epochs=1",
                           "--set", "train.threads=%d" % threads] + OFF, env=env, cwd=d)
    history = json.load(open(os.path.join(d, "models", "trained", "history.json")))
    subprocess.run([DLPIPE, "-q", "stage", "model_test"] + OFF, cwd=d, check=True, env=env)
    metrics = json.load(open(os.path.join(d, "reports", "metrics.json")))
    return {"samples_per_s": history["epochs"][0]["samples_per_second"],
            "test_acc": metrics["accuracy"], "rss": rss,
            "label": "dlpipe %s %s %s, %d thr" % (history.get("kernels", "?"),
                                                  history.get("kernels_isa", "?"),
                                                  history.get("precision", "fp32"), threads),
            "precision": history.get("precision", "fp32"), "threads": threads}


def peer_epoch(python, script, model, epochs, threads, extra_env):
    env = dict(os.environ, **extra_env)
    out, rss = run_measured([python, os.path.join(PEERS_DIR, script), model, str(epochs),
                             str(threads)], env=env)
    r = json.loads(out.strip().splitlines()[-1])
    label = r["peer"] + (", %d thr" % threads)
    return {"samples_per_s": r["samples_per_s"], "test_acc": r["test_acc"], "rss": rss,
            "label": label, "threads": threads,
            "precision": "bf16" if extra_env.get("PEER_AMP") == "bf16" else "fp32"}


def peer_configs(model):
    """(kind, callable) for every peer configuration measured."""
    configs = []
    if os.path.exists(PEERS_PY):
        for threads in (1, 2):
            configs.append(("peer", lambda t=threads: peer_epoch(PEERS_PY, "torch_fashion.py", model,
                                                                 1, t, {})))
        configs.append(("peer", lambda: peer_epoch(PEERS_PY, "torch_fashion.py", model, 1, 2,
                                                   {"PEER_AMP": "bf16"})))
        for backend in ("tensorflow", "jax"):
            configs.append(("peer", lambda b=backend: peer_epoch(
                PEERS_PY, "keras_fashion.py", model, 2, 2, {"KERAS_BACKEND": b})))
    if os.path.exists("/usr/bin/python3"):
        configs.append(("historical", lambda: peer_epoch("/usr/bin/python3", "torch_fashion.py",
                                                         model, 1, 2, {})))
    return configs


def probe(threads):
    if not os.path.exists(PROBE):
        return {}
    out = subprocess.run([PROBE, str(threads)], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def machine():
    cpu = "unknown"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    v = json.loads(subprocess.run([DLPIPE, "version", "--json"], capture_output=True,
                                  text=True).stdout)
    return ("%s, %d cores, %s; dlpipe %s, %s on %s, OpenBLAS %s kernels (OPENBLAS_CORETYPE=%s)"
            % (cpu, os.cpu_count(), platform.platform(), v["dlpipe"], v.get("kernels", "?"),
               v.get("kernels_isa", "?"), v["openblas_core"],
               os.environ.get("OPENBLAS_CORETYPE", "unset")))


def row(model, r, best_peer, peaks):
    flops = FLOPS[model] * r["samples_per_s"] / 1e9
    peak = peaks.get(r["threads"], {})
    key = "onednn_bf16" if r["precision"] == "bf16" else "onednn_fp32"
    if "OpenBLAS" in r["label"]:
        key = "openblas_fp32"
    p = peak.get(key)
    ratio = "%6.2fx" % (r["samples_per_s"] / best_peer) if best_peer else "     -"
    eff = "%5.0f / %5.0f (%3.0f%%)" % (flops, p, 100 * flops / p) if p else "%5.0f" % flops
    return "%-5s %-52s %10.0f %s %7.4f %8.0f  %s" % (model, r["label"][:52], r["samples_per_s"],
                                                     ratio, r["test_acc"], r["rss"], eff)


def main():
    models = sys.argv[1:] or ["mlp", "cnn", "lstm"]
    tmp = tempfile.mkdtemp(prefix="dlpipe-bench-train-")
    peaks = {t: probe(t) for t in (1, 2)}
    print("# one training epoch of Fashion-MNIST, batch 64, Adam 1e-3; each system's best configuration")
    print("# %s" % machine())
    print("# %s" % time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    print("# matmul peak GFLOP/s at the models' shapes: %s" % json.dumps(peaks))
    print("# ratio: against the best PyPI peer of the model; GFLOP/s: effective / kernel peak")
    print("%-5s %-52s %10s %7s %7s %8s  %s" % ("model", "system", "samples/s", "ratio", "acc",
                                               "MB", "GFLOP/s"))
    try:
        for model in models:
            d = dlpipe_prepare(model, tmp)
            ours = [dlpipe_epoch(d, t, k) for k in ("onednn", "openblas") for t in (1, 2)]
            peers, historical = [], []
            for kind, measure in peer_configs(model):
                try:
                    (peers if kind == "peer" else historical).append(measure())
                except RuntimeError as e:
                    print("# %s: a peer failed: %s" % (model, str(e).splitlines()[0]))
            best = max(peers, key=lambda r: r["samples_per_s"]) if peers else None
            best_rate = best["samples_per_s"] if best else None
            for r in ours + peers + historical:
                print(row(model, r, best_rate, peaks), flush=True)
            top = max(ours, key=lambda r: r["samples_per_s"])
            if best:
                print("# %s: dlpipe's best %.0f samples/s is %.2fx the best peer (%s, %.0f), "
                      "accuracy %.4f against %.4f, memory %.0f MB against %.0f MB"
                      % (model, top["samples_per_s"], top["samples_per_s"] / best_rate,
                         best["label"], best_rate, top["test_acc"], best["test_acc"], top["rss"],
                         min(r["rss"] for r in peers)), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

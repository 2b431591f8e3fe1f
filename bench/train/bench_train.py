"""One training epoch of each Fashion-MNIST model, dlpipe against PyTorch
(/work/shared/peers/torch_fashion.py, or the PEER environment variable),
side by side in one run: same architectures, batch 64, Adam 1e-3, 2
threads. Prints samples per second of both, their ratio, and the peak
resident memory of each training process.

Usage: /usr/bin/python3 bench/train/bench_train.py [MODEL...] > results.txt
Needs a built dlpipe (build/) and Debian's python3-torch."""
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DLPIPE = os.path.join(ROOT, "build", "host", "dlpipe")
PEER = os.environ.get("PEER", "/work/shared/peers/torch_fashion.py")
TARGETS = {"mlp": 4.0, "cnn": 2.0, "lstm": 4.0}
OFF = ["--set", "tracking.tracker=none"]


def peak_rss_mb(argv, env=None, cwd=None):
    """Runs @argv in a fresh process (forked from a small helper so that
    ru_maxrss is this child's alone); returns (stdout, peak RSS in MB)."""
    helper = ("import resource, subprocess, sys, json\n"
              "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
              "r = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
              "print(json.dumps({'rc': p.returncode, 'out': p.stdout, 'err': p.stderr, 'rss_kb': r}))\n")
    p = subprocess.run([sys.executable, "-c", helper] + argv, capture_output=True, text=True,
                       env=env, cwd=cwd)
    r = json.loads(p.stdout)
    if r["rc"] != 0:
        raise RuntimeError("%s failed:\n%s" % (" ".join(argv), r["err"]))
    return r["out"], r["rss_kb"] / 1024.0


def dlpipe_epoch(model, tmp):
    d = os.path.join(tmp, model)
    os.makedirs(d)
    shutil.copy(os.path.join(ROOT, "pipelines", "fashion-mnist-" + model, "params.yaml"), d)
    subprocess.run([DLPIPE, "-q", "run", "--only", "data_ingestion", "--only", "data_transformation",
                    "--only", "data_split", "--only", "model_builder"] + OFF, cwd=d, check=True)
    _, rss = peak_rss_mb([DLPIPE, "-q", "stage", "model_trainer", "--set", "train.epochs=1",
                          "--set", "train.threads=2"] + OFF, cwd=d)
    history = json.load(open(os.path.join(d, "models", "trained", "history.json")))
    return history["epochs"][0]["samples_per_second"], rss


def torch_epoch(model):
    best = None
    # The peer's two allocator settings (peers/README.md); its best counts.
    for extra in ({}, {"MALLOC_MMAP_THRESHOLD_": "4294967296"}):
        env = dict(os.environ, **extra)
        out, rss = peak_rss_mb(["/usr/bin/python3", PEER, model, "1", "2"], env=env)
        r = json.loads(out.strip().splitlines()[-1])
        if best is None or r["samples_per_s"] > best[0]:
            best = (r["samples_per_s"], rss, r["peer"], bool(extra))
    return best


def machine():
    cpu = "unknown"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    version = subprocess.run([DLPIPE, "version", "--json"], capture_output=True, text=True).stdout
    v = json.loads(version)
    return ("%s, %d cores, %s; dlpipe %s, OpenBLAS %s kernels (OPENBLAS_CORETYPE=%s)"
            % (cpu, os.cpu_count(), platform.platform(), v["dlpipe"], v["openblas_core"],
               os.environ.get("OPENBLAS_CORETYPE", "unset")))


def main():
    models = sys.argv[1:] or ["mlp", "cnn", "lstm"]
    tmp = tempfile.mkdtemp(prefix="dlpipe-bench-train-")
    print("# one training epoch of Fashion-MNIST, batch 64, Adam 1e-3, 2 threads")
    print("# %s" % machine())
    print("# %s" % time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    print("%-5s %14s %14s %7s %7s %12s %12s" % ("model", "dlpipe samp/s", "torch samp/s", "ratio",
                                                "target", "dlpipe MB", "torch MB"))
    try:
        for model in models:
            ours, our_rss = dlpipe_epoch(model, tmp)
            theirs, their_rss, peer, mmap = torch_epoch(model)
            print("%-5s %14.0f %14.0f %6.2fx %6.1fx %12.0f %12.0f%s" % (
                model, ours, theirs, ours / theirs, TARGETS[model], our_rss, their_rss,
                "  (torch with MALLOC_MMAP_THRESHOLD_)" if mmap else ""), flush=True)
        print("# peer: %s" % peer)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

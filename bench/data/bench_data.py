#!/usr/bin/python3
"""Benchmarks of the data_ingestion stage, with a peer measured in the same run.

1. IDX: `dlpipe stage data_ingestion` on the 60,000-image Fashion-MNIST
   training set (gzip), against numpy reading the same two files with
   Python's gzip module.
2. CSV: `dlpipe stage data_ingestion` on a generated numeric CSV (ten float
   columns and a label), against pandas.read_csv of the same file.

The dlpipe times are wall-clock times of the whole stage as a user runs
it: process start, plugin loading, reading, and writing
data/raw/dataset.safetensors. Each measurement is the best of --repeat
runs. Usage:

    /usr/bin/python3 bench/data/bench_data.py [--dlpipe build/host/dlpipe] [--csv-mb 200]

numpy comes with python3-numpy; pandas with python3-pandas (Debian).
"""
import argparse
import gzip
import os
import platform
import random
import subprocess
import tempfile
import time

FASHION = "/usr/share/datasets/fashion-mnist"


def best_of(repeat, fn):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def run_stage(dlpipe, folder):
    subprocess.run([dlpipe, "-q", "stage", "data_ingestion"], cwd=folder, check=True)


def bench_idx(dlpipe, repeat):
    import numpy as np

    folder = tempfile.mkdtemp(prefix="dlpipe-bench-")
    with open(os.path.join(folder, "params.yaml"), "w") as f:
        f.write("data_ingestion: {source: idx, path: %s, subsets: [train]}\n" % FASHION)
    ours = best_of(repeat, lambda: run_stage(dlpipe, folder))

    def numpy_read():
        with gzip.open(os.path.join(FASHION, "train-images-idx3-ubyte.gz")) as f:
            images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
        with gzip.open(os.path.join(FASHION, "train-labels-idx1-ubyte.gz")) as f:
            labels = np.frombuffer(f.read(), np.uint8, offset=8)
        assert len(images) == len(labels) == 60000

    peer = best_of(repeat, numpy_read)
    return ours, peer


def write_csv(path, megabytes, seed=1):
    rng = random.Random(seed)
    classes = ["setosa", "versicolor", "virginica"]
    target = megabytes * 1000 * 1000
    with open(path, "w") as f:
        f.write(",".join("x%d" % i for i in range(10)) + ",label\n")
        written = 0
        lines = []
        while written < target:
            line = ",".join("%.6f" % rng.uniform(-1000, 1000) for _ in range(10))
            line += "," + classes[rng.randrange(3)] + "\n"
            lines.append(line)
            written += len(line)
            if len(lines) == 10000:
                f.write("".join(lines))
                lines = []
        f.write("".join(lines))
    return os.path.getsize(path)


def bench_csv(dlpipe, repeat, megabytes):
    folder = tempfile.mkdtemp(prefix="dlpipe-bench-")
    path = os.path.join(folder, "numeric.csv")
    size = write_csv(path, megabytes)
    with open(os.path.join(folder, "params.yaml"), "w") as f:
        f.write("data_ingestion: {source: csv, path: numeric.csv, label: label}\n")
    ours = best_of(repeat, lambda: run_stage(dlpipe, folder))
    try:
        import pandas

        peer = best_of(repeat, lambda: pandas.read_csv(path))
    except ImportError:
        peer = None
    os.remove(path)
    return size, ours, peer


def machine():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return "%s, %d cores seen, %s, Python %s" % (cpu, os.cpu_count(), platform.platform(),
                                                 platform.python_version())


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser = argparse.ArgumentParser()
    parser.add_argument("--dlpipe", default=os.path.join(root, "build", "host", "dlpipe"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--csv-mb", type=int, default=200)
    args = parser.parse_args()
    dlpipe = os.path.abspath(args.dlpipe)

    print("machine:", machine())
    ours, peer = bench_idx(dlpipe, args.repeat)
    print("idx  Fashion-MNIST train (60,000 images, gzip): dlpipe stage %.3f s; "
          "numpy+gzip read %.3f s; ratio %.2fx" % (ours, peer, peer / ours))
    size, ours, peer = bench_csv(dlpipe, args.repeat, args.csv_mb)
    mb = size / 1e6
    line = "csv  %.0f MB numeric: dlpipe stage %.3f s = %.0f MB/s" % (mb, ours, mb / ours)
    if peer is not None:
        line += "; pandas.read_csv %.3f s = %.0f MB/s; ratio %.2fx" % (peer, mb / peer, peer / ours)
    print(line)


if __name__ == "__main__":
    main()

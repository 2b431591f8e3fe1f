"""The same project in two folders gives the same bytes: the pipeline run
in two copies (a CSV and an IDX source, each named by a relative path)
writes byte-identical datasets, weights, reports and package files, so
DVC caches them once and MLflow's dataset digests do not depend on the
folder. Prints TAP."""
import gzip
import os
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tap import check, finish  # noqa: E402

DLPIPE = os.environ["DLP_TEST_HOST"]

CSV_PARAMS = """
data_ingestion: {source: csv, path: data/rows.csv, label: label}
data_transformation: {steps: [{normalize: {method: zscore}}]}
data_split: {test_size: 0.25, seed: 1}
model: {type: mlp, input_shape: [2], num_classes: 2, mlp: {hidden_units: [4]}}
train: {epochs: 3, batch_size: 8, threads: 1}
test: {}
tracking: {tracker: none}
"""

IDX_PARAMS = """
data_ingestion: {source: idx, path: fashion, subsets: [train], class_names: fashion-mnist}
data_transformation: {steps: [{normalize: {method: scale, factor: 0.00392156862745098}},
                              {reshape: {column: image, shape: [784]}}]}
data_split: {test_size: 0.25, seed: 1}
model: {type: mlp, input_shape: [784], num_classes: 10, mlp: {hidden_units: [8]}}
train: {epochs: 1, batch_size: 16, threads: 1}
test: {}
tracking: {tracker: none}
"""

# Files whose bytes depend only on the inputs (the trainer's history and
# DVCLive files also hold timings).
SAME = ["data/raw/dataset.safetensors", "data/processed/dataset.safetensors",
        "data/split/train.safetensors", "data/split/test.safetensors",
        "models/built/model.json", "models/built/weights.safetensors",
        "models/trained/weights.safetensors", "reports/metrics.json",
        "reports/predictions.csv", "models/final/dlpipe.json",
        "models/final/weights.safetensors", "models/final/model.json"]


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)


def read(path):
    if not os.path.exists(path):
        return None
    with open(path, "rb") as f:
        return f.read()


def project(folder, params, files):
    write(os.path.join(folder, "params.yaml"), params)
    for name, data in files.items():
        write(os.path.join(folder, name), data)
    return subprocess.run([DLPIPE, "run"], cwd=folder, capture_output=True, text=True)


def idx_files(n=48):
    images = struct.pack(">IIII", 0x803, n, 28, 28) + bytes((i * 37 + j) % 251 for i in range(n)
                                                          for j in range(784))
    labels = struct.pack(">II", 0x801, n) + bytes(i % 10 for i in range(n))
    return {"fashion/train-images-idx3-ubyte.gz": gzip.compress(images, mtime=0),
            "fashion/train-labels-idx1-ubyte.gz": gzip.compress(labels, mtime=0)}


def main():
    tmp = tempfile.mkdtemp(prefix="dlpipe-bytes-")
    try:
        rows = "label,x,y\n" + "".join("%s,%d,%d\n" % ("ab"[i % 2], i, (i * 7) % 11) for i in range(40))
        for name, params, files in (("csv", CSV_PARAMS, {"data/rows.csv": rows}),
                                    ("idx", IDX_PARAMS, idx_files())):
            a = os.path.join(tmp, "one", name)
            b = os.path.join(tmp, "a", "much", "deeper", "copy", name)
            ra, rb = project(a, params, files), project(b, params, files)
            check("%s: the project runs in both folders" % name,
                  ra.returncode == 0 and rb.returncode == 0, ra.stderr + rb.stderr)
            differ = [rel for rel in SAME if read(os.path.join(a, rel)) != read(os.path.join(b, rel))]
            check("%s: %d output files are byte-identical in both folders" % (name, len(SAME)),
                  not differ, differ)
            raw = read(os.path.join(a, "data/raw/dataset.safetensors")) or b""
            check("%s: the dataset names its source by the path in params.yaml" % name,
                  tmp.encode() not in raw, raw[:600])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return finish()


if __name__ == "__main__":
    sys.exit(main())

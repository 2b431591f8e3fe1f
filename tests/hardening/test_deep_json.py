"""JSON nested 100,000 deep in every file dlpipe reads, through the built
dlpipe: each reader refuses it with the depth limit's error, exit status
1 and no output, never a crash. Prints TAP."""
import json
import os
import shutil
import struct
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tap import check, dlpipe, finish  # noqa: E402

DEPTH = 100000
DEEP = "[" * DEPTH + "]" * DEPTH

PARAMS = """
data_ingestion: {source: csv, path: rows.csv, label: label}
data_transformation: {steps: [{normalize: {method: zscore}}]}
data_split: {test_size: 0.25, seed: 1}
model: {type: mlp, input_shape: [2], num_classes: 2, mlp: {hidden_units: [4]}}
train: {epochs: 2, batch_size: 8}
test: {}
tracking: {tracker: none}
"""


def depth_refused(r):
    return (r.returncode == 1 and "nested deeper than" in r.stderr
            and "DLPIPE_LIMIT_YAML_DEPTH" in r.stderr)


def write(path, data):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)


def safetensors_with_header(header_text, data=b""):
    raw = header_text.encode()
    return struct.pack("<Q", len(raw)) + raw + data


def deep_metadata(path, key):
    """The safetensors file at @path with its metadata entry @key deep."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    header["__metadata__"][key] = DEEP
    return safetensors_with_header(json.dumps(header), blob[8 + n:])


def pipeline(tmp):
    d = os.path.join(tmp, "base")
    rows = ["label,x,y"] + ["%s,%d,%d" % ("ab"[i % 2], i, (i * 7) % 11) for i in range(40)]
    write(os.path.join(d, "rows.csv"), "\n".join(rows) + "\n")
    write(os.path.join(d, "params.yaml"), PARAMS)
    r = dlpipe(d, "run")
    check("the small pipeline runs", r.returncode == 0, r.stderr)
    return d


def case(base, tmp, name):
    d = os.path.join(tmp, name)
    shutil.copytree(base, d)
    return d


def unchanged(d, base, rel):
    a, b = os.path.join(d, rel), os.path.join(base, rel)
    if not os.path.exists(b):
        return not os.path.exists(a)
    with open(a, "rb") as f, open(b, "rb") as g:
        return f.read() == g.read()


def main():
    tmp = tempfile.mkdtemp(prefix="dlpipe-deep-")
    try:
        base = pipeline(tmp)
        deep_header = safetensors_with_header('{"a": %s}' % DEEP)

        d = case(base, tmp, "raw-header")
        write(os.path.join(d, "data/raw/dataset.safetensors"), deep_header)
        r = dlpipe(d, "stage", "data_transformation")
        check("data_transformation: a dataset header nested 100,000 deep is refused",
              depth_refused(r) and unchanged(d, base, "data/processed/dataset.safetensors"), r.stderr)

        d = case(base, tmp, "raw-metadata")
        raw = os.path.join(d, "data/raw/dataset.safetensors")
        write(raw, deep_metadata(raw, "dlpipe.metadata"))
        r = dlpipe(d, "stage", "data_transformation")
        check("data_transformation: dlpipe.metadata nested 100,000 deep is refused",
              depth_refused(r) and unchanged(d, base, "data/processed/dataset.safetensors"), r.stderr)

        d = case(base, tmp, "train-split")
        write(os.path.join(d, "data/split/train.safetensors"), deep_header)
        r = dlpipe(d, "stage", "model_trainer")
        check("model_trainer: a train split nested 100,000 deep is refused",
              depth_refused(r) and unchanged(d, base, "models/trained/weights.safetensors"), r.stderr)

        d = case(base, tmp, "weights")
        write(os.path.join(d, "models/built/weights.safetensors"), deep_header)
        r = dlpipe(d, "stage", "model_trainer")
        check("model_trainer: initial weights nested 100,000 deep are refused",
              depth_refused(r) and unchanged(d, base, "models/trained/weights.safetensors"), r.stderr)

        d = case(base, tmp, "predict-input")
        write(os.path.join(d, "deep.safetensors"), deep_header)
        write(os.path.join(d, "deep.json"), '{"inputs": %s}' % DEEP)
        for name in ("deep.safetensors", "deep.json"):
            r = dlpipe(d, "predict", "-i", name, "-o", "out.csv")
            check("predict -i %s nested 100,000 deep is refused" % name,
                  depth_refused(r) and not os.path.exists(os.path.join(d, "out.csv")), r.stderr)

        d = case(base, tmp, "package-weights")
        write(os.path.join(d, "models/final/weights.safetensors"), deep_header)
        r = dlpipe(d, "predict", "-i", "rows.csv", "-o", "out.csv")
        check("predict: package weights nested 100,000 deep are refused",
              depth_refused(r) and not os.path.exists(os.path.join(d, "out.csv")), r.stderr)

        d = case(base, tmp, "manifest")
        write(os.path.join(d, "models/final/dlpipe.json"), '{"format": %s}' % DEEP)
        r = dlpipe(d, "predict", "-i", "rows.csv", "-o", "out.csv")
        check("predict: a package manifest nested 100,000 deep is refused",
              depth_refused(r) and not os.path.exists(os.path.join(d, "out.csv")), r.stderr)

        d = case(base, tmp, "architecture")
        write(os.path.join(d, "deep.json"), '{"class_name": "Sequential", "config": %s}' % DEEP)
        r = dlpipe(d, "stage", "model_builder", "--set", "model.type=json",
                   "--set", "model.json.path=deep.json")
        check("model_builder: an architecture file nested 100,000 deep is refused",
              depth_refused(r) and "deep.json" in r.stderr
              and unchanged(d, base, "models/built/model.json"), r.stderr)
        write(os.path.join(d, "deep.json"), '{"class_name": "Sequential", "config": %s}'
              % ("[" * 60000 + "]" * 60000))
        r = dlpipe(d, "stage", "model_builder", "--set", "model.type=json",
                   "--set", "model.json.path=deep.json")
        check("model_builder: ... and one nested 60,000 deep", depth_refused(r), r.stderr)

        # The variable raises the limit only as far as the stack allows.
        d = case(base, tmp, "ceiling")
        write(os.path.join(d, "deep.json"), '{"class_name": "Sequential", "config": %s}'
              % ("[" * 5000 + "]" * 5000))
        r = dlpipe(d, "stage", "model_builder", "--set", "model.type=json",
                   "--set", "model.json.path=deep.json", env={"DLPIPE_LIMIT_YAML_DEPTH": "1000000"})
        check("DLPIPE_LIMIT_YAML_DEPTH=1000000 is held to 2000, with a warning",
              depth_refused(r) and "using 2000, the most it can be" in r.stderr, r.stderr)

        d = case(base, tmp, "checkpoint")
        write(os.path.join(d, "models/checkpoint/state.safetensors"),
              safetensors_with_header(json.dumps({"__metadata__": {"dlpipe.checkpoint": DEEP}})))
        r = dlpipe(d, "stage", "model_trainer", "--resume")
        check("model_trainer --resume: a checkpoint nested 100,000 deep is refused",
              depth_refused(r) and unchanged(d, base, "models/trained/weights.safetensors"), r.stderr)

        d = case(base, tmp, "run-file")
        write(os.path.join(d, "models/trained/tracking-run.json"), '{"run_key": %s}' % DEEP)
        r = dlpipe(d, "stage", "model_test", "--set", "tracking.tracker=mlflow",
                   "--set", "tracking.tracking_uri=http://127.0.0.1:9")
        check("model_test: a tracking run file nested 100,000 deep is refused",
              depth_refused(r) and unchanged(d, base, "reports/metrics.json"), r.stderr)

        d = case(base, tmp, "spool")
        spool = os.path.join(d, ".dlpipe/tracking-spool")
        write(os.path.join(spool, "20261203T000000.000000Z-1-00000001.jsonl"),
              '{"run_key": "0123456789abcdef0123456789abcdef", "x": %s}\n' % DEEP)
        r = dlpipe(d, "mlflow", "status", "--spool", spool)
        check("mlflow status: a spool file nested 100,000 deep is listed as damaged",
              r.returncode in (0, 1) and "nested deeper than" in r.stdout + r.stderr,
              r.stdout + r.stderr)
        r = dlpipe(d, "mlflow", "sync", "--spool", spool)
        check("mlflow sync: a spool file nested 100,000 deep is refused", depth_refused(r),
              r.stdout + r.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return finish()


if __name__ == "__main__":
    sys.exit(main())

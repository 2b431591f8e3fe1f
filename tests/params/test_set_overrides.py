"""--set as a user gives it, through the built dlpipe: every setting each
stage reads is the value written. Prints TAP.

1. For every shipped pipeline, `dlpipe -v run` logs each setting a stage
   reads, with where it came from. Every key of the pipeline's params.yaml
   is then set with --set to the value it already has, alone and in pairs:
   the key's own reads must now come from the --set, and every other read
   (values and defaults alike) must be exactly what the run without --set
   read. The pipelines run on a small cut of Fashion-MNIST, untracked.
2. Each model type (mlp, cnn, lstm, json) is built after --set of its
   settings and of unrelated keys, and the architecture it wrote is read
   back: the settings set are there, and nothing else changed.
"""
import collections
import gzip
import json
import os
import re
import shutil
import struct
import sys
import tempfile

import yaml

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tap import check, dlpipe, finish  # noqa: E402

ROOT = os.environ["DLP_TEST_SOURCE_ROOT"]
FASHION = "/usr/share/datasets/fashion-mnist"
PIPELINES = [".", "pipelines/fashion-mnist-mlp", "pipelines/fashion-mnist-cnn",
             "pipelines/fashion-mnist-lstm", "pipelines/penguins-mlp"]
READ = re.compile(r"^dlpipe: debug: \[dlpipe-params\] (\S+) = (.*) \((.*)\)$")


def small_fashion(folder, n_train=100, n_test=30):
    """The first images of Fashion-MNIST's test files, as a train and a test pair."""
    os.makedirs(folder)
    with gzip.open(os.path.join(FASHION, "t10k-images-idx3-ubyte.gz")) as f:
        images = f.read()
    with gzip.open(os.path.join(FASHION, "t10k-labels-idx1-ubyte.gz")) as f:
        labels = f.read()
    for prefix, lo, hi in (("train", 0, n_train), ("t10k", n_train, n_train + n_test)):
        with gzip.open(os.path.join(folder, prefix + "-images-idx3-ubyte.gz"), "wb") as f:
            f.write(struct.pack(">IIII", 0x803, hi - lo, 28, 28) + images[16 + lo * 784:16 + hi * 784])
        with gzip.open(os.path.join(folder, prefix + "-labels-idx1-ubyte.gz"), "wb") as f:
            f.write(struct.pack(">II", 0x801, hi - lo) + labels[8 + lo:8 + hi])


def copy_pipeline(src, dst, data):
    """The pipeline on the small data set, for two epochs, with tracking off."""
    os.makedirs(dst)
    for name in os.listdir(src):
        if name in ("params.yaml", "penguins.csv"):
            shutil.copy(os.path.join(src, name), dst)
    path = os.path.join(dst, "params.yaml")
    with open(path) as f:
        text = f.read()
    text = text.replace(FASHION, data).replace("tracker: mlflow", "tracker: none")
    text = re.sub(r"(?m)^(  epochs:) \d+", r"\1 2", text)
    with open(path, "w") as f:
        f.write(text)
    return text


def leaves(node, prefix=""):
    """Dotted keys of every scalar (and empty container) with its value."""
    if isinstance(node, dict) and node:
        for k, v in node.items():
            yield from leaves(v, prefix + "." + k if prefix else k)
    elif isinstance(node, list) and node:
        for i, v in enumerate(node):
            yield from leaves(v, "%s.%d" % (prefix, i))
    else:
        yield prefix, node


def as_yaml(value):
    return yaml.safe_dump(value, default_flow_style=True, width=10 ** 6).strip().removesuffix("...").strip()


def parsed(text):
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def reads(stderr, sections):
    """The settings of params.yaml's sections read, as (key, value, source)."""
    out = collections.Counter()
    for line in stderr.splitlines():
        m = READ.match(line)
        if m and m.group(1).split(".")[0] in sections:
            source = m.group(3)
            kind = "set" if source.startswith("--set ") else source
            out[(m.group(1), json.dumps(parsed(m.group(2)), sort_keys=True), kind)] += 1
    return out


def expected_reads(base, keys):
    """The run without --set, with the reads of @keys coming from --set."""
    out = collections.Counter()
    for (key, value, source), n in base.items():
        out[(key, value, "set" if key in keys else source)] += n
    return out


def check_pipeline(tmp, name, data):
    d = os.path.join(tmp, name.replace("/", "_").replace(".", "default"))
    text = copy_pipeline(os.path.join(ROOT, name), d, data)
    doc = yaml.safe_load(text)
    sections = set(doc)
    base = dlpipe(d, "-v", "run")
    if base.returncode != 0:
        check("%s: runs without --set" % name, False, base.stderr)
        return
    base_reads = reads(base.stderr, sections)
    keys = [(k, v) for k, v in leaves(doc)]
    # With tracking off, the tracker's own settings are not read.
    read_keys = {k for k, _, _ in base_reads} | {k for k, _ in keys if k.startswith("tracking.")}
    check("%s: every stage logs what it reads (%d reads, %d keys)" % (name, sum(base_reads.values()),
                                                                     len(keys)),
          len(base_reads) > 20 and all(any(r == k or k.startswith(r + ".") for r in read_keys)
                                       for k, _ in keys),
          "keys never read: %s" % [k for k, _ in keys
                                   if not any(r == k or k.startswith(r + ".") for r in read_keys)])
    n = len(keys)
    cases = [(i,) for i in range(n)] + [(i, i + (n + 1) // 2) for i in range(n // 2)]
    failures = []
    for case in cases:
        args = []
        for i in case:
            args += ["--set", "%s=%s" % (keys[i][0], as_yaml(keys[i][1]))]
        r = dlpipe(d, "-v", "run", *args)
        if r.returncode != 0:
            failures.append("%s: exit %d: %s" % (" ".join(args), r.returncode, r.stderr[-600:]))
            continue
        got = reads(r.stderr, sections)
        want = expected_reads(base_reads, {keys[i][0] for i in case})
        if got != want:
            extra = sorted((got - want).elements())[:4]
            missing = sorted((want - got).elements())[:4]
            failures.append("%s: read %s instead of %s" % (" ".join(args), extra, missing))
    check("%s: --set of each of %d keys, alone and in %d pairs, reads what is written"
          % (name, n, n // 2), not failures, "\n".join(failures[:6]))


def architecture(d, *sets):
    args = []
    for s in sets:
        args += ["--set", s]
    r = dlpipe(d, "stage", "model_builder", *args)
    if r.returncode != 0:
        return None, r.stderr
    with open(os.path.join(d, "models/built/model.json")) as f:
        return json.load(f), r.stderr


def layers(arch):
    return [(l["class_name"], l["config"]) for l in arch["config"]["layers"]]


def check_model_type(tmp, model_type, params, changes, look):
    """Builds @params, then with each --set of @changes, and compares what
    @look reads of the architecture with what the change asks for."""
    d = os.path.join(tmp, "model-" + model_type)
    os.makedirs(d)
    with open(os.path.join(d, "params.yaml"), "w") as f:
        f.write(params)
    base, err = architecture(d)
    if base is None:
        check("%s: builds" % model_type, False, err)
        return
    unrelated = ["train.epochs=1", "tracking.tracker=none", "model.seed=3", "test.champion_accuracy=0.5"]
    same = []
    for s in unrelated:
        arch, err = architecture(d, s)
        if arch is None or layers(arch) != layers(base):
            same.append("%s changed the architecture: %s" % (s, err[-400:] if arch is None else layers(arch)))
    check("%s: --set of other sections leaves the architecture as it was" % model_type, not same,
          "\n".join(same))
    for sets, want in changes:
        arch, err = architecture(d, *sets)
        got = look(arch) if arch is not None else err
        check("%s: after --set %s the architecture reads %s" % (model_type, " ".join(sets), want),
              got == want, "got %s" % (got,))


COMMON = """
data_ingestion: {source: idx, path: /nowhere}
train: {epochs: 12, batch_size: 64, optimizer: {type: adam, learning_rate: 0.001}}
test: {champion_accuracy: 0.9}
tracking: {tracker: mlflow, experiment: fashion-mnist}
"""


def main():
    tmp = tempfile.mkdtemp(prefix="dlpipe-set-")
    try:
        data = os.path.join(tmp, "fashion")
        small_fashion(data)
        for name in PIPELINES:
            check_pipeline(tmp, name, data)

        def units(arch):
            return [(c, cfg.get("units", cfg.get("filters")), cfg.get("activation"))
                    for c, cfg in layers(arch) if c in ("Dense", "Conv2D", "LSTM")]

        check_model_type(tmp, "mlp", COMMON + """
model: {type: mlp, input_shape: [784], num_classes: 10, seed: 42,
        mlp: {hidden_units: [64, 32], activation: relu}}
""", [
            (["model.mlp.hidden_units=[48, 24]"],
             [("Dense", 48, "relu"), ("Dense", 24, "relu"), ("Dense", 10, "softmax")]),
            (["model.mlp.activation=tanh", "train.epochs=2"],
             [("Dense", 64, "tanh"), ("Dense", 32, "tanh"), ("Dense", 10, "softmax")]),
            (["model.num_classes=4", "model.mlp.hidden_units.1=8"],
             [("Dense", 64, "relu"), ("Dense", 8, "relu"), ("Dense", 4, "softmax")]),
        ], units)
        check_model_type(tmp, "cnn", COMMON + """
model: {type: cnn, input_shape: [28, 28, 1], num_classes: 10, seed: 42,
        cnn: {filters: [32, 64], kernel_size: 3, pool_size: 2, dense_units: [128]}}
""", [
            (["model.cnn.filters=[8, 16]", "train.epochs=1"],
             [("Conv2D", 8, "relu"), ("Conv2D", 16, "relu"), ("Dense", 128, "relu"),
              ("Dense", 10, "softmax")]),
            (["model.cnn.activation=elu"],
             [("Conv2D", 32, "elu"), ("Conv2D", 64, "elu"), ("Dense", 128, "elu"),
              ("Dense", 10, "softmax")]),
            (["model.cnn.dense_units=[]", "tracking.tracker=none"],
             [("Conv2D", 32, "relu"), ("Conv2D", 64, "relu"), ("Dense", 10, "softmax")]),
        ], units)
        check_model_type(tmp, "cnn-kernel", COMMON + """
model: {type: cnn, input_shape: [28, 28, 1], num_classes: 10,
        cnn: {filters: [4], kernel_size: 3}}
""", [
            (["model.cnn.kernel_size=5"], [5]),
            (["model.cnn.kernel_size=7", "model.seed=9"], [7]),
        ], lambda arch: [cfg["kernel_size"] for c, cfg in layers(arch) if c == "Conv2D"])
        check_model_type(tmp, "lstm", COMMON + """
model: {type: lstm, input_shape: [28, 28], num_classes: 10, seed: 42, lstm: {units: 128}}
""", [
            (["model.lstm.units=32"], [("LSTM", 32, "tanh"), ("Dense", 10, "softmax")]),
            (["model.lstm.units=16", "model.lstm.dense_units=[20]", "train.epochs=3"],
             [("LSTM", 16, "tanh"), ("Dense", 20, "relu"), ("Dense", 10, "softmax")]),
        ], units)
        arch_dir = os.path.join(tmp, "archs")
        os.makedirs(arch_dir)
        for units_ in (40, 24):
            a, err = architecture(os.path.join(tmp, "model-mlp"), "model.mlp.hidden_units=[%d]" % units_)
            with open(os.path.join(arch_dir, "mlp%d.json" % units_), "w") as f:
                json.dump(a, f)
        check_model_type(tmp, "json", COMMON + """
model: {type: json, input_shape: [784], num_classes: 10, seed: 42,
        json: {path: %s/mlp40.json}}
""" % arch_dir, [
            (["model.json.path=%s/mlp24.json" % arch_dir],
             [("Dense", 24, "relu"), ("Dense", 10, "softmax")]),
            (["train.epochs=2", "model.json.path=%s/mlp24.json" % arch_dir],
             [("Dense", 24, "relu"), ("Dense", 10, "softmax")]),
        ], units)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return finish()


if __name__ == "__main__":
    sys.exit(main())

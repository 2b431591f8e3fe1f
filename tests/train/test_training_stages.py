"""The training stages as a user runs them, through the built dlpipe:
a small model trained on a subset of Fashion-MNIST in seconds, every
output file, bit-identical reruns, and SIGINT/SIGTERM during training
followed by --resume. Prints TAP."""
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tap import check, dlpipe, finish, skip  # noqa: E402

DLPIPE = os.environ["DLP_TEST_HOST"]

PARAMS = """
data_ingestion:
  source: idx
  path: /usr/share/datasets/fashion-mnist
  subsets: [test]
data_transformation:
  steps:
    - normalize: {method: scale, factor: 0.00392156862745098}
    - reshape: {column: image, shape: [784]}
data_split: {test_size: 0.2, seed: 1}
model:
  type: mlp
  input_shape: [784]
  num_classes: 10
  mlp: {hidden_units: [%(hidden)s]}
train:
  epochs: %(epochs)d
  batch_size: 32
  threads: 2
  optimizer: {type: adam, learning_rate: 0.001}
test: {}
tracking: {tracker: none}
"""


def folder(tmp, name, epochs, hidden="64"):
    d = os.path.join(tmp, name)
    os.makedirs(d)
    with open(os.path.join(d, "params.yaml"), "w") as f:
        f.write(PARAMS % {"epochs": epochs, "hidden": hidden})
    return d


def read(path, mode="rb"):
    with open(path, mode) as f:
        return f.read()


def thread_signal_masks(pid):
    """{thread name: set of blocked signal numbers} of every thread."""
    masks = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
            name = "%s (%s)" % (f.read().strip(), tid)
        with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
            blocked = next(int(line.split()[1], 16) for line in f if line.startswith("SigBlk:"))
        masks[name] = {s for s in range(1, 65) if blocked >> (s - 1) & 1}
    return masks


def interrupt(d, signo):
    """Starts model_trainer, signals it once an epoch is done, waits.
    Returns the exit status, stderr, and the threads' signal masks."""
    p = subprocess.Popen([DLPIPE, "stage", "model_trainer"], cwd=d,
                         stderr=subprocess.PIPE, text=True)
    seen, masks = [], {}
    for line in p.stderr:
        seen.append(line)
        if line.startswith("dlpipe: epoch 2/"):
            masks = thread_signal_masks(p.pid)
            p.send_signal(signo)
            break
    rest = p.stderr.read()
    return p.wait(timeout=120), "".join(seen) + rest, masks


def main():
    tmp = tempfile.mkdtemp(prefix="dlpipe-train-")
    try:
        d = folder(tmp, "small", 5, "128")
        r = dlpipe(d, "run")
        check("the pipeline runs", r.returncode == 0, r.stderr)
        metrics = json.loads(read(os.path.join(d, "reports/metrics.json")))
        check("a small MLP on 8,000 images reaches 0.80 test accuracy",
              metrics["accuracy"] >= 0.80, metrics.get("accuracy"))
        expected = [
            "models/built/model.json", "models/built/weights.safetensors",
            "models/trained/model.json", "models/trained/weights.safetensors",
            "models/trained/optimizer.safetensors", "models/trained/history.json",
            "models/trained/tracking-run.json",
            "dvclive/metrics.json", "dvclive/plots/metrics/loss.tsv",
            "dvclive/plots/metrics/accuracy.tsv", "dvclive/plots/metrics/learning_rate.tsv",
            "dvclive/plots/metrics/samples_per_second.tsv",
            "reports/metrics.json", "reports/per_class.json", "reports/confusion.json",
            "reports/predictions.csv",
            "models/final/MLmodel", "models/final/dlpipe.json", "models/final/model.json",
            "models/final/weights.safetensors", "models/final/python_env.yaml",
            "models/final/requirements.txt", "models/final/environment.json",
        ]
        missing = [f for f in expected if not os.path.isfile(os.path.join(d, f))]
        check("every output file is written", not missing, missing)
        check("no checkpoint is left after a completed run",
              not os.path.exists(os.path.join(d, "models/checkpoint")))
        loss = read(os.path.join(d, "dvclive/plots/metrics/loss.tsv"), "r").splitlines()
        check("dvclive has one row per epoch", loss[0] == "step\tloss" and len(loss) == 6, loss)
        history = json.loads(read(os.path.join(d, "models/trained/history.json")))
        check("history.json holds every epoch", len(history["epochs"]) == 5, history)
        rows = list(csv.reader(open(os.path.join(d, "reports/predictions.csv"))))
        check("predictions.csv has a row per test image and a column per class",
              len(rows) == 2001 and len(rows[0]) == 13, (len(rows), rows[0]))
        confusion = json.loads(read(os.path.join(d, "reports/confusion.json")))
        check("confusion.json has a row per test image",
              len(confusion) == 2000 and set(confusion[0]) == {"actual", "predicted"})
        package = json.loads(read(os.path.join(d, "models/final/dlpipe.json")))
        check("the package lists the raw input, the preprocessing and the classes",
              package["inputs"][0]["name"] == "image" and len(package["classes"]) == 10
              and [s["type"] for s in package["preprocessing"]] == ["normalize", "reshape"], package)

        # Untracked, nothing is registered and the package names no run.
        r = dlpipe(d, "stage", "model_test", "--set", "test.champion_accuracy=0.1")
        mlmodel = read(os.path.join(d, "models/final/MLmodel"), "r")
        check("untracked, model_test registers no champion and the MLmodel names no run",
              r.returncode == 0 and "registers no model" in r.stderr
              and "registered version" not in r.stderr and "run_id" not in mlmodel,
              r.stderr + mlmodel)

        # The same params, seed and threads: the same bytes.
        weights = read(os.path.join(d, "models/trained/weights.safetensors"))
        report = read(os.path.join(d, "reports/metrics.json"))
        r = dlpipe(d, "run", "--only", "model_trainer", "--only", "model_test")
        check("a rerun succeeds", r.returncode == 0, r.stderr)
        check("a rerun gives byte-identical weights",
              read(os.path.join(d, "models/trained/weights.safetensors")) == weights)
        check("a rerun gives byte-identical test metrics",
              read(os.path.join(d, "reports/metrics.json")) == report)

        # Interrupted, then resumed: the uninterrupted run's weights.
        epochs, hidden = 8, "512, 512"
        whole = folder(tmp, "whole", epochs, hidden)
        r = dlpipe(whole, "run")
        check("the reference run succeeds", r.returncode == 0, r.stderr)
        for signo, status in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
            name = signal.Signals(signo).name
            part = folder(tmp, "part-" + name, epochs, hidden)
            r = dlpipe(part, "run", "--only", "data_ingestion", "--only", "data_transformation",
                       "--only", "data_split", "--only", "model_builder")
            code, err, masks = interrupt(part, signo)
            check("%s stops training with status %d" % (name, status), code == status, err)
            # Only the signal thread may take the signal: one delivered to
            # a thread inside a compute kernel could write over its memory.
            handlers = [t for t in masks if t.startswith("dlp-signals ")]
            unguarded = [t for t, blocked in masks.items()
                         if t not in handlers and not {signal.SIGINT, signal.SIGTERM} <= blocked]
            check("while training, only the signal thread takes %s" % name,
                  len(handlers) == 1 and signo not in masks[handlers[0]] and not unguarded
                  and len(masks) >= 3, masks)
            check("%s leaves a checkpoint and no trained model" % name,
                  os.path.isfile(os.path.join(part, "models/checkpoint/state.safetensors"))
                  and not os.path.exists(os.path.join(part, "models/trained")), err)
            check("the message says how to continue", "--resume" in err, err)
            r = dlpipe(part, "stage", "model_trainer", "--resume")
            check("--resume after %s completes" % name, r.returncode == 0, r.stderr)
            same = read(os.path.join(part, "models/trained/weights.safetensors")) == \
                read(os.path.join(whole, "models/trained/weights.safetensors"))
            check("--resume after %s ends with the uninterrupted run's weights" % name, same)

        if "oneDNN" in dlpipe(d, "version").stdout:
            code, err, _ = interrupt(d, signal.SIGINT)
            r = dlpipe(d, "stage", "model_trainer", "--resume",
                       env={"DLPIPE_KERNELS": "openblas"})
            check("--resume on other kernels completes, warning that it is not bit-identical",
                  code == 130 and r.returncode == 0 and "will not be bit-identical" in r.stderr
                  and "oneDNN" in r.stderr and "OpenBLAS" in r.stderr, err + r.stderr)
        else:
            skip("--resume on other kernels warns", "a build without oneDNN has one library")

        r = dlpipe(d, "stage", "model_trainer", "--resume")
        check("--resume without a checkpoint is a clear error",
              r.returncode == 1 and "no checkpoint" in r.stderr, r.stderr)
        r = dlpipe(d, "stage", "model_trainer", "--set", "train.optimizer={type: sgd, learning_rate: 1000000}")
        check("a diverging loss stops training naming epoch and step",
              r.returncode == 1 and "epoch 1, step" in r.stderr and "the loss is" in r.stderr, r.stderr)
        r = dlpipe(d, "run", "--only", "model_builder", "--only", "model_trainer",
                   "--set", "model.input_shape=[100]")
        check("a model that does not fit the data is refused, naming both shapes",
              r.returncode == 1 and "gives 784 feature values per row" in r.stderr
              and "expects input [100]" in r.stderr, r.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return finish()


if __name__ == "__main__":
    sys.exit(main())

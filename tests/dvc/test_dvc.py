"""DVC runs a dlpipe pipeline: a copy of pipelines/penguins-mlp, its
dvc.yaml as shipped, in a fresh git repository outside the source tree,
driven by the real `dvc` (installed from PyPI in the project's virtual
environment) with the built `dlpipe` on PATH.

Prints TAP. Checks that dvc repro runs all six stages, then nothing; that
a changed param reruns exactly the stages that read it or its outputs;
that dvc metrics, params diff, plots and experiments work; and that
`dlpipe run` writes the same outputs as `dvc repro`."""
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tap import check, finish  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PIPELINE = os.path.join(ROOT, "pipelines", "penguins-mlp")
DVC = os.path.join(os.path.dirname(sys.executable), "dvc")
ALL = ["data_ingestion", "data_transformation", "data_split", "model_builder",
       "model_trainer", "model_test"]


def run(args, cwd, check_status=True):
    p = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    if check_status and p.returncode != 0:
        raise RuntimeError("%s failed (%d):\n%s\n%s" % (" ".join(args), p.returncode, p.stdout, p.stderr))
    return p.stdout + p.stderr


def stages_run(output):
    """The pipeline's stages DVC ran (dlpipe_versions runs every time)."""
    return sorted(set(re.findall(r"Running stage '([a-z_]+)'", output)) - {"dlpipe_versions"})


def set_param(repo, key, value):
    """Edits one `key: value` line of params.yaml (section.key)."""
    section, name = key.split(".")
    path = os.path.join(repo, "params.yaml")
    lines = open(path).read().split("\n")
    in_section = False
    for i, line in enumerate(lines):
        if re.match(r"^[a-z_]+:", line):
            in_section = line.startswith(section + ":")
        elif in_section and re.match(r"^\s+%s:" % name, line):
            indent = line[: len(line) - len(line.lstrip())]
            lines[i] = "%s%s: %s" % (indent, name, value)
            open(path, "w").write("\n".join(lines))
            return
    raise KeyError(key)


def digest(path):
    """Of a dataset file, its columns (its provenance names the folder it
    was read from); of any other file, its bytes."""
    h = hashlib.sha256()
    if path.endswith("dataset.safetensors") or "/split/" in path:
        from safetensors.numpy import load_file
        for name, array in sorted(load_file(path).items()):
            h.update(name.encode())
            h.update(array.tobytes())
    else:
        with open(path, "rb") as f:
            h.update(f.read())
    return h.hexdigest()


def make_repo(tmp, name):
    repo = os.path.join(tmp, name)
    os.makedirs(repo)
    # The pipeline alone, without the dlpipe sources beside it.
    for f in ("params.yaml", "penguins.csv", "dvc.yaml"):
        shutil.copy(os.path.join(PIPELINE, f), repo)
    # Untracked: no server in this test.
    set_param(repo, "tracking.tracker", "none")
    run(["git", "init", "-q"], repo)
    run(["git", "config", "user.email", "test@example.invalid"], repo)
    run(["git", "config", "user.name", "dlpipe test"], repo)
    run([DVC, "init", "-q"], repo)
    run(["git", "add", "-A"], repo)
    run(["git", "commit", "-qm", "pipeline"], repo)
    return repo


def main():
    tmp = tempfile.mkdtemp(prefix="dlpipe-dvc-")
    try:
        repo = make_repo(tmp, "repo")
        out = run([DVC, "repro"], repo)
        check("dvc repro runs all six stages", stages_run(out) == sorted(ALL), out)
        out = run([DVC, "repro"], repo)
        check("a second dvc repro runs nothing", stages_run(out) == [], out)
        check("... but checks the versions of dlpipe and its plugins",
              "Running stage 'dlpipe_versions'" in out, out)

        set_param(repo, "train.epochs", "31")
        out = run([DVC, "repro"], repo)
        check("train.epochs reruns only model_trainer and model_test",
              stages_run(out) == ["model_test", "model_trainer"], out)

        set_param(repo, "data_split.test_size", "0.25")
        out = run([DVC, "repro"], repo)
        check("data_split.test_size reruns data_split, model_trainer and model_test",
              stages_run(out) == ["data_split", "model_test", "model_trainer"], out)

        out = run([DVC, "metrics", "show", "--json"], repo)
        metrics = json.loads(out[out.index("{"):])
        flat = json.dumps(metrics)
        check("dvc metrics show reads the test and training metrics",
              '"accuracy"' in flat and "reports/metrics.json" in flat and "dvclive/metrics.json" in flat, out)
        accuracy = json.load(open(os.path.join(repo, "reports", "metrics.json")))["accuracy"]
        check("the penguins MLP reaches 0.95 test accuracy", accuracy >= 0.95, accuracy)

        run(["git", "add", "-A"], repo)
        run(["git", "commit", "-qm", "baseline"], repo)
        out = run([DVC, "exp", "run", "-S", "train.epochs=7"], repo)
        check("dvc exp run -S reruns the training stages",
              "model_trainer" in stages_run(out) and "data_ingestion" not in stages_run(out), out)
        out = run([DVC, "exp", "show", "--json"], repo)
        check("dvc exp show lists the experiment with its params and metrics",
              re.search(r'"epochs":\s*7\b', out) is not None and "accuracy" in out, out)
        out = run([DVC, "params", "diff", "--all"], repo)
        check("dvc params diff shows the train section", "train.epochs" in out, out)
        out = run([DVC, "plots", "show", "--json"], repo)
        check("dvc plots show renders the training curves and the confusion matrix",
              "dvclive/plots/metrics" in out and "reports/confusion.json" in out, out)

        # The same params through dlpipe run, in a second copy.
        other = make_repo(tmp, "other")
        for key, value in (("train.epochs", "31"), ("data_split.test_size", "0.25")):
            set_param(other, key, value)
        run(["dlpipe", "-q", "run"], other)
        run([DVC, "exp", "apply", "HEAD"], repo, check_status=False)
        run([DVC, "checkout", "-f"], repo, check_status=False)
        set_param(repo, "train.epochs", "31")
        run([DVC, "repro"], repo)
        files = ["data/raw/dataset.safetensors", "data/processed/dataset.safetensors",
                 "data/split/train.safetensors", "data/split/test.safetensors",
                 "models/built/weights.safetensors", "models/trained/weights.safetensors",
                 "models/final/weights.safetensors", "reports/metrics.json",
                 "reports/predictions.csv"]
        differ = [f for f in files if digest(os.path.join(repo, f)) != digest(os.path.join(other, f))]
        check("dlpipe run writes the same outputs as dvc repro", not differ, differ)
    except Exception as e:  # a failed command is a failed test, with its output
        check("the DVC session completed", False, e)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return finish()


if __name__ == "__main__":
    sys.exit(main())

"""dlpipe under DVC against the same pipeline written as PyTorch scripts
(bench/dvc/torch-pipeline), side by side in one run:

1. start-up of one stage process: `dlpipe stage model_builder` for a small
   MLP against `python3 -c "import torch"`, the start-up a Python
   pipeline pays per stage;
2. the full `dvc repro` of pipelines/fashion-mnist-mlp against the
   PyTorch pipeline, each in a fresh git repository.

Target: dlpipe's full repro in at most a third of the Python pipeline's
wall time. Usage: /usr/bin/python3 bench/dvc/bench_dvc.py > results.txt
Needs a built dlpipe (build/), DVC in .venv and Debian's python3-torch."""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HOST = os.path.join(ROOT, "build", "host")
DVC = os.path.join(ROOT, ".venv", "bin", "dvc")
ENV = dict(os.environ, PATH=HOST + os.pathsep + os.environ["PATH"])


def wall(argv, cwd):
    t = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=ENV, check=True, capture_output=True)
    return time.perf_counter() - t


def repo(tmp, name, files):
    d = os.path.join(tmp, name)
    os.makedirs(d)
    for f in files:
        shutil.copy(f, d)
    for argv in (["git", "init", "-q"], ["git", "config", "user.email", "b@example.invalid"],
                 ["git", "config", "user.name", "bench"], [DVC, "init", "-q"],
                 ["git", "add", "-A"], ["git", "commit", "-qm", "pipeline"]):
        subprocess.run(argv, cwd=d, env=ENV, check=True, capture_output=True)
    return d


def main():
    tmp = tempfile.mkdtemp(prefix="dlpipe-bench-dvc-")
    try:
        small = os.path.join(tmp, "startup")
        os.makedirs(small)
        with open(os.path.join(small, "params.yaml"), "w") as f:
            f.write("model: {type: mlp, input_shape: [784], num_classes: 10, mlp: {hidden_units: [64]}}\n")
        n = 20
        ours = statistics.median(wall([os.path.join(HOST, "dlpipe"), "-q", "stage", "model_builder"],
                                      small) for _ in range(n))
        torch_import = statistics.median(wall(["/usr/bin/python3", "-c", "import torch"], small)
                                         for _ in range(n))
        print("# dlpipe under DVC against the same pipeline as PyTorch scripts")
        print("# %s" % time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
        print("stage start-up (median of %d):" % n)
        print("  dlpipe stage model_builder   %7.3f s" % ours)
        print("  python3 -c 'import torch'    %7.3f s   ratio %.1fx" % (torch_import, torch_import / ours))

        mlp = os.path.join(ROOT, "pipelines", "fashion-mnist-mlp")
        ours_repo = repo(tmp, "dlpipe", [os.path.join(mlp, "params.yaml")])
        subprocess.run([os.path.join(HOST, "dlpipe"), "dvc-yaml", "-o", "dvc.yaml"], cwd=ours_repo,
                       env=ENV, check=True)
        subprocess.run(["sed", "-i", "s/^  tracker: mlflow/  tracker: none/",
                        os.path.join(ours_repo, "params.yaml")], check=True)
        peer = os.path.join(ROOT, "bench", "dvc", "torch-pipeline")
        theirs_repo = repo(tmp, "torch", [os.path.join(peer, f) for f in ("params.yaml", "stages.py", "dvc.yaml")])
        t_ours = wall([DVC, "repro"], ours_repo)
        t_theirs = wall([DVC, "repro"], theirs_repo)
        acc_ours = open(os.path.join(ours_repo, "reports", "metrics.json")).read()
        acc_theirs = open(os.path.join(theirs_repo, "reports", "metrics.json")).read()
        print("full dvc repro of fashion-mnist-mlp (15 epochs, 2 threads):")
        print("  dlpipe                       %7.1f s" % t_ours)
        print("  PyTorch scripts              %7.1f s   dlpipe/PyTorch %.2f (target <= 0.33)"
              % (t_theirs, t_ours / t_theirs))
        import json
        print("  test accuracy: dlpipe %.4f, PyTorch %.4f"
              % (json.loads(acc_ours)["accuracy"], json.loads(acc_theirs)["accuracy"]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

"""What the Python binding's tests share: the binding and the build's
plugins in the environment, a small table pipeline, and its predictions by
`dlpipe predict` to compare with."""
import contextlib
import csv
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
from tap import dlpipe as run_host, gate  # noqa: E402


def plugin_dirs(root):
    """Every folder of the build's plugins (the predictor looks in each
    folder of DLPIPE_PLUGIN_PATH, not below it)."""
    return sorted({d for d, _, files in os.walk(root) if any(f.endswith(".so") for f in files)})


def setup_environment(library):
    """The binding from python/, the built library, the build's plugins:
    for this process and the tools it starts."""
    os.environ["DLPIPE_LIBRARY"] = os.path.abspath(library)
    os.environ["DLPIPE_PLUGIN_PATH"] = ":".join(
        plugin_dirs(os.environ["DLP_TEST_BUILTIN_PLUGINS_DIR"]))
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [os.path.join(ROOT, "python"), os.environ.get("PYTHONPATH", "")])
    sys.path.insert(0, os.path.join(ROOT, "python"))


PARAMS = """
data_ingestion: {source: csv, path: data.csv, label: kind, missing: [NA, ""]}
data_transformation:
  steps:
    - impute: {strategy: most_frequent, columns: [color]}
    - impute: {strategy: mean, columns: [weight]}
    - one_hot: {columns: [color]}
data_split: {test_size: 0.3, seed: 3}
model: {type: mlp, input_shape: [5], num_classes: 3, mlp: {hidden_units: [8]}}
train: {epochs: 3, batch_size: 16, seed: 1}
%(tracking)s
"""


def write_pipeline(d, tracking="tracking: {tracker: none}"):
    colors, kinds = ["red", "green", "blue"], ["alpha", "beta", "gamma"]
    with open(os.path.join(d, "data.csv"), "w") as f:
        f.write("color,size,weight,kind\n")
        for i in range(120):
            j = i % 3
            color = "" if i % 11 == 4 else colors[(j + (i % 5 == 0)) % 3]
            weight = "NA" if i % 13 == 6 else "%.2f" % (10 + 5 * j + (i * 7 % 30) / 10)
            f.write("%s,%.2f,%s,%s\n" % (color, 1 + 2 * j + (i * 37 % 100) / 100, weight, kinds[j]))
    with open(os.path.join(d, "params.yaml"), "w") as f:
        f.write(PARAMS % {"tracking": tracking})
    # The rows to score: raw, with the missing values the data had.
    with open(os.path.join(d, "data.csv")) as f, open(os.path.join(d, "rows.csv"), "w") as out:
        for line in f:
            out.write(line.rsplit(",", 1)[0] + "\n")


def read_rows(d):
    with open(os.path.join(d, "rows.csv")) as f:
        rows = list(csv.DictReader(f))
    return {k: [r[k] for r in rows] for k in rows[0]}


def host_predictions(d):
    """`dlpipe predict`'s labels and probabilities of rows.csv."""
    p = run_host(d, "predict", "-i", "rows.csv")
    if p.returncode != 0:
        raise RuntimeError(p.stderr)
    rows = list(csv.DictReader(p.stdout.splitlines()))
    classes = [k[2:] for k in rows[0] if k.startswith("p_")]
    return [r["predicted"] for r in rows], [[float(r["p_" + c]) for c in classes] for r in rows]


def same(labels, probabilities, want):
    want_labels, want_p = want
    if list(labels) != want_labels:
        return False, "labels differ: %s vs %s" % (list(labels)[:10], want_labels[:10])
    worst = max(abs(float(a) - b) for row, wrow in zip(probabilities, want_p)
                for a, b in zip(row, wrow))
    return worst < 1e-5, "largest probability difference %g" % worst




def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url, process, log, seconds=120):
    """Polls @url until it answers 200; False if @process exits first."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.3)
    return False


def start(argv, cwd, log_path, env=None):
    log = open(log_path, "w")
    return subprocess.Popen(argv, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                            env=dict(os.environ, **(env or {})), start_new_session=True)


def stop(process):
    if process.poll() is None:
        os.killpg(process.pid, 15)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()


def tail(path):
    with open(path) as f:
        return f.read()[-3000:]


def start_mlflow_server(tmp):
    """A real `mlflow server` on 127.0.0.1 with its store and artifacts in
    @tmp; (process, URI, log path), the process None if it did not come up."""
    port = free_port()
    uri = "http://127.0.0.1:%d" % port
    log = os.path.join(tmp, "server.log")
    server = start([sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1",
                    "--port", str(port), "--workers", "1",
                    "--backend-store-uri", "sqlite:///%s/mlflow.db" % tmp,
                    "--artifacts-destination", os.path.join(tmp, "mlartifacts")],
                   tmp, log, {"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"})
    if not wait_for(uri + "/health", server, log):
        stop(server)
        return None, uri, log
    return server, uri, log


@contextlib.contextmanager
def registry_pipeline(prefix, model):
    """A real MLflow server, MLFLOW_TRACKING_URI set to it, and the table
    pipeline in table/ of its folder, tracked there with the registered
    model @model and a champion threshold of 0. Yields (folder,
    MlflowClient, pipeline folder), or None when the server did not come
    up (a failed check says so); then stops the server and removes the
    folder."""
    from mlflow import MlflowClient
    tmp = tempfile.mkdtemp(prefix=prefix)
    server, log = None, None
    try:
        server, uri, log = start_mlflow_server(tmp)
        if not gate("mlflow server starts", server is not None, tail(log)):
            yield None
            return
        os.environ["MLFLOW_TRACKING_URI"] = uri
        d = os.path.join(tmp, "table")
        os.makedirs(d)
        write_pipeline(d, "tracking: {tracker: mlflow, registered_model: %s}\n"
                          "test: {champion_accuracy: 0.0}" % model)
        yield tmp, MlflowClient(uri), d
    except BaseException:
        if log and os.path.exists(log):
            sys.stderr.write("mlflow server log, last lines:\n%s\n" % tail(log))
        raise
    finally:
        if server:
            stop(server)
        shutil.rmtree(tmp, ignore_errors=True)

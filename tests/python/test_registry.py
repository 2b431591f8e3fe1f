"""A dlpipe model in MLflow's model registry, used by MLflow's own tools:
the table pipeline runs against a real `mlflow server` (started here on
127.0.0.1), model_test registers the version and gives it the alias
champion, and then

- mlflow.pyfunc.load_model("models:/NAME@champion"),
- mlflow.pyfunc.spark_udf on it in pyspark's local mode, and
- `mlflow models serve -m models:/NAME@champion --env-manager local`

score the raw rows as `dlpipe predict` does with the local package.

Arguments: the built libdlpipe-1.so. Prints TAP."""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
from tap import check, finish  # noqa: E402
from common import host_predictions, run_host, same, setup_environment  # noqa: E402
from common import write_pipeline  # noqa: E402

setup_environment(sys.argv[1])
MODEL = "dlpipe-registry-test"


def gate(name, ok, detail=""):
    """A check whose failure stops what depends on it."""
    check(name, ok, detail)
    return ok


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


def served_predictions(d, port, log):
    with open(os.path.join(d, "rows.csv"), "rb") as f:
        body = f.read()
    request = urllib.request.Request("http://127.0.0.1:%d/invocations" % port, data=body,
                                     headers={"Content-Type": "text/csv"})
    with urllib.request.urlopen(request, timeout=60) as r:
        return json.load(r)["predictions"]


def spark_check(uri, frame, classes, want):
    """mlflow.pyfunc.spark_udf in pyspark's local mode: MLflow's way to
    score at scale, one Python worker per partition."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as e:
        check("pyspark is installed (scripts/setup-python.sh)", False, str(e))
        return
    import mlflow.pyfunc
    # The workers run the virtual environment's Python, with this
    # process's environment (the binding, the library, the plugins).
    os.environ["PYSPARK_PYTHON"] = sys.executable
    spark = (SparkSession.builder.master("local[2]").appName("dlpipe-spark-udf")
             .config("spark.ui.enabled", "false").getOrCreate())
    try:
        data = spark.createDataFrame(frame)
        result = ", ".join(["label string"] + ["p_%s double" % c for c in classes])
        udf = mlflow.pyfunc.spark_udf(spark, uri, result_type=result, env_manager="local")
        out = (data.withColumn("prediction", udf(*[data[c] for c in frame.columns]))
               .select("prediction.*").toPandas())
        ok, detail = same(out["label"], out[["p_" + c for c in classes]].values, want)
    except Exception as e:  # noqa: BLE001 - the test reports any failure
        ok, detail = False, repr(e)
    finally:
        spark.stop()
    check("mlflow.pyfunc.spark_udf(%s) in pyspark's local mode scores as dlpipe predict" % uri,
          ok, detail)


def main():
    try:
        import mlflow.pyfunc
    except ImportError as e:
        print("1..0 # SKIP MLflow is not installed (scripts/setup-python.sh): %s" % e)
        return 0
    tmp = tempfile.mkdtemp(prefix="dlpipe-registry-")
    server = serve = None
    try:
        port = free_port()
        uri = "http://127.0.0.1:%d" % port
        server_log = os.path.join(tmp, "server.log")
        server = start([sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1",
                        "--port", str(port), "--workers", "1",
                        "--backend-store-uri", "sqlite:///%s/mlflow.db" % tmp,
                        "--artifacts-destination", os.path.join(tmp, "mlartifacts")],
                       tmp, server_log, {"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"})
        if not gate("mlflow server starts", wait_for(uri + "/health", server, server_log),
                     tail(server_log)):
            return finish()
        os.environ["MLFLOW_TRACKING_URI"] = uri
        d = os.path.join(tmp, "table")
        os.makedirs(d)
        write_pipeline(d, "tracking: {tracker: mlflow, registered_model: %s}\n"
                          "test: {champion_accuracy: 0.0}" % MODEL)
        p = run_host(d, "run")
        if not gate("the pipeline runs against the server", p.returncode == 0, p.stderr):
            return finish()
        want = host_predictions(d)
        champion = "models:/%s@champion" % MODEL
        with open(os.path.join(d, "models", "final", "dlpipe.json")) as f:
            classes = json.load(f)["classes"]

        import pandas as pd
        frame = pd.read_csv(os.path.join(d, "rows.csv"), keep_default_na=False,
                            na_values=["NA", ""])
        try:
            out = mlflow.pyfunc.load_model(champion).predict(frame)
            ok, detail = same(out["label"], out[["p_" + c for c in classes]].values, want)
        except Exception as e:  # noqa: BLE001 - the test reports any failure
            ok, detail = False, repr(e)
        check("mlflow.pyfunc.load_model(%s) scores as dlpipe predict" % champion, ok, detail)

        spark_check(champion, frame, classes, want)

        serve_port = free_port()
        serve_log = os.path.join(tmp, "serve.log")
        serve = start([sys.executable, "-m", "mlflow", "models", "serve", "-m", champion,
                       "--env-manager", "local", "--host", "127.0.0.1", "-p", str(serve_port),
                       "-w", "1"], d, serve_log,
                      # MLflow runs uvicorn from PATH: the virtual environment's.
                      {"PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]})
        if gate("mlflow models serve -m %s starts" % champion,
                 wait_for("http://127.0.0.1:%d/ping" % serve_port, serve, serve_log, 180),
                 tail(serve_log)):
            try:
                rows = served_predictions(d, serve_port, serve_log)
                ok, detail = same([r["label"] for r in rows],
                                  [[r["p_" + c] for c in classes] for r in rows], want)
            except Exception as e:  # noqa: BLE001
                ok, detail = False, repr(e) + "\n" + tail(serve_log)
            check("mlflow models serve answers as dlpipe predict", ok, detail)
    finally:
        for process in (serve, server):
            if process:
                stop(process)
        shutil.rmtree(tmp, ignore_errors=True)
    return finish()


if __name__ == "__main__":
    sys.exit(main())

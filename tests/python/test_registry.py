"""A dlpipe model in MLflow's model registry, used by MLflow's own tools:
the table pipeline runs against a real `mlflow server` (started here on
127.0.0.1), model_test registers the version and gives it the alias
champion, and then

- MLflow's client finds the MLflow 3 logged model the version names, made
  by the run, READY, with the run's test metrics, params and package,
- mlflow.pyfunc.load_model("models:/NAME@champion"),
- mlflow.pyfunc.spark_udf on it in pyspark's local mode, and
- `mlflow models serve -m models:/NAME@champion --env-manager local`

score the raw rows as `dlpipe predict` does with the local package.

Arguments: the built libdlpipe-1.so. Prints TAP."""
import json
import os
import shutil
import sys
import tempfile
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
from tap import check, finish, gate  # noqa: E402
from common import host_predictions, run_host, same, setup_environment  # noqa: E402
from common import free_port, start, start_mlflow_server, stop, tail, wait_for  # noqa: E402
from common import write_pipeline  # noqa: E402

setup_environment(sys.argv[1])
MODEL = "dlpipe-registry-test"


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


def logged_model_checks(uri):
    """MLflow 3's logged model of the package, read with MLflow's client:
    the version's source names it, it is READY, made by the run, with the
    run's test metrics and params, and its artifacts hold the package."""
    from mlflow import MlflowClient
    from mlflow.entities import LoggedModelStatus
    client = MlflowClient(uri)
    version = client.get_model_version_by_alias(MODEL, "champion")
    if not gate("the champion's source is a logged model (models:/m-...)",
                version.source.startswith("models:/m-"), version.source):
        return
    model_id = version.source[len("models:/"):]
    model = client.get_logged_model(model_id)
    run = client.get_run(version.run_id)
    check("the logged model is READY", model.status == LoggedModelStatus.READY, model.status)
    check("the logged model's source run is the training run",
          model.source_run_id == run.info.run_id, (model.source_run_id, run.info.run_id))
    check("the logged model is named after its artifact path", model.name == "model", model.name)
    # MLflow's own server keeps no model_id on a version; it tags the
    # model with its versions instead.
    versions = json.loads(model.tags.get("mlflow.modelVersions", "[]"))
    check("the logged model lists the registered version",
          {"name": MODEL, "version": int(version.version)} in versions, versions)
    metrics = {m.key: m.value for m in model.metrics}
    check("the logged model has the run's test metrics",
          "test_accuracy" in metrics
          and metrics["test_accuracy"] == run.data.metrics["test_accuracy"]
          and "test_macro_f1" in metrics, metrics)
    check("the logged model has the run's params",
          model.params.get("train.epochs") == "3", model.params)
    found = mlflow_search(client, run)
    check("search_logged_models finds one model of the run", found == [model_id], found)
    names = sorted(f.path for f in client.list_logged_model_artifacts(model_id))
    check("the logged model's artifacts hold the package",
          "MLmodel" in names and "dlpipe.json" in names, names)
    outputs = [o.model_id for o in run.outputs.model_outputs]
    check("the run records the logged model as its output", outputs == [model_id], outputs)


def mlflow_search(client, run):
    import mlflow
    models = mlflow.search_logged_models(
        experiment_ids=[run.info.experiment_id],
        filter_string="source_run_id = '%s'" % run.info.run_id, output_format="list")
    return [m.model_id for m in models]


def main():
    try:
        import mlflow.pyfunc
    except ImportError as e:
        print("1..0 # SKIP MLflow is not installed (scripts/setup-python.sh): %s" % e)
        return 0
    tmp = tempfile.mkdtemp(prefix="dlpipe-registry-")
    server = serve = None
    try:
        server, uri, server_log = start_mlflow_server(tmp)
        if not gate("mlflow server starts", server is not None, tail(server_log)):
            return finish()
        os.environ["MLFLOW_TRACKING_URI"] = uri
        d = os.path.join(tmp, "table")
        os.makedirs(d)
        write_pipeline(d, "tracking: {tracker: mlflow, registered_model: %s}\n"
                          "test: {champion_accuracy: 0.0}" % MODEL)
        p = run_host(d, "run")
        if not gate("the pipeline runs against the server", p.returncode == 0, p.stderr):
            return finish()
        logged_model_checks(uri)
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

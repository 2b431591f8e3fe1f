"""The Python binding (python/dlpipe) and the python_function flavor of
every model package, against `dlpipe predict` on the same rows:

- dlpipe.Predictor scores raw rows (categories, a missing value) as
  `dlpipe predict` does, from several threads at once, and its errors
  name the row and the column;
- pip installs the binding from the repository without compiling;
- MLflow's own tools score with the package: mlflow.pyfunc.load_model,
  and `mlflow models predict --env-manager local`.

Arguments: the built libdlpipe-1.so. Prints TAP."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
from tap import check, finish  # noqa: E402
from common import ROOT, host_predictions, read_rows, run_host, same, setup_environment  # noqa: E402
from common import write_pipeline  # noqa: E402

setup_environment(sys.argv[1])
import dlpipe  # noqa: E402


def binding_checks(d, want):
    model = dlpipe.Predictor(os.path.join(d, "models", "final"))
    names = [i.name for i in model.inputs]
    check("the predictor lists the package's inputs", names == ["color", "size", "weight"], names)
    color = model.inputs[0]
    check("a categorical input lists its categories",
          sorted(color.categories or []) == ["blue", "green", "red"], repr(color))
    rows = read_rows(d)
    labels, probabilities = model.predict(rows)
    ok, detail = same(labels, probabilities, want)
    check("Predictor.predict gives dlpipe predict's predictions", ok, detail)
    numbers = dict(rows, size=[float(v) for v in rows["size"]],
                   weight=[None if v == "NA" else float(v) for v in rows["weight"]])
    ok, detail = same(*model.predict(numbers), want)
    check("numbers and None for missing score as their text does", ok, detail)

    results = [None] * 4

    def work(k):
        for _ in range(10):
            results[k] = model.predict(rows)
    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check("four threads predicting at once each get the same predictions",
          all(r is not None and same(r[0], r[1], want)[0] for r in results))

    fails_with("an unknown category names its row and column",
               lambda: model.predict(dict(rows, color=["red", "purple"] + rows["color"][2:])),
               "row 1, column 'color': unknown category 'purple'")
    fails_with("a missing column is named", lambda: model.predict({"color": rows["color"]}),
               "no column for input 'size'")
    # A package needing a plugin type this host lacks names the plugin.
    broken = os.path.join(d, "broken")
    shutil.copytree(os.path.join(d, "models", "final"), broken)
    with open(os.path.join(broken, "dlpipe.json")) as f:
        manifest = json.load(f)
    manifest["plugins"][0]["type"] = "nonesuch"
    with open(os.path.join(broken, "dlpipe.json"), "w") as f:
        json.dump(manifest, f)
    fails_with("a package needing a missing plugin type names it and its plugin",
               lambda: dlpipe.Predictor(broken),
               "needs the layer type 'nonesuch' of plugin 'layer_dense'")
    fails_with("a folder that is no package says so", lambda: dlpipe.Predictor(d),
               "is not a model package")


def fails_with(name, action, needle):
    """A check that @action raises DlpError with @needle in its message."""
    try:
        action()
        check(name, False, "no error")
    except dlpipe.DlpError as e:
        check(name, needle in str(e), str(e))


def pip_install_check(tmp):
    target = os.path.join(tmp, "site")
    p = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                        "--no-build-isolation", "--disable-pip-version-check",
                        "--target", target, os.path.join(ROOT, "python")],
                       capture_output=True, text=True)
    if p.returncode != 0:
        check("pip installs the binding from the repository", False, p.stdout + p.stderr)
        return
    env = dict(os.environ, PYTHONPATH=target)
    q = subprocess.run([sys.executable, "-c", "import dlpipe, dlpipe.pyfunc; print(dlpipe.__file__)"],
                       capture_output=True, text=True, env=env, cwd=tmp)
    check("pip installs the binding from the repository",
          q.returncode == 0 and q.stdout.startswith(target), q.stdout + q.stderr)


def mlflow_checks(d, want):
    try:
        import mlflow.pyfunc
    except ImportError as e:
        check("MLflow is installed (scripts/setup-python.sh)", False, str(e))
        return
    package = os.path.join(d, "models", "final")
    import pandas as pd
    frame = pd.read_csv(os.path.join(d, "rows.csv"), keep_default_na=False, na_values=["NA", ""])
    loaded = mlflow.pyfunc.load_model(package)
    out = loaded.predict(frame)
    classes = [c[2:] for c in out.columns if c.startswith("p_")]
    ok, detail = same(out["label"], out[["p_" + c for c in classes]].values, want)
    check("mlflow.pyfunc.load_model scores as dlpipe predict", ok, detail)

    result = os.path.join(d, "mlflow-predictions.json")
    p = subprocess.run([sys.executable, "-m", "mlflow", "models", "predict", "-m", package,
                        "-i", os.path.join(d, "rows.csv"), "-t", "csv", "-o", result,
                        "--env-manager", "local"], capture_output=True, text=True, cwd=d)
    if p.returncode != 0:
        check("mlflow models predict --env-manager local runs", False, p.stdout + p.stderr)
        return
    with open(result) as f:
        predictions = json.load(f)["predictions"]
    ok, detail = same([r["label"] for r in predictions],
                      [[r["p_" + c] for c in classes] for r in predictions], want)
    check("mlflow models predict --env-manager local scores as dlpipe predict", ok, detail)


def main():
    with tempfile.TemporaryDirectory(prefix="dlpipe-python-") as tmp:
        d = os.path.join(tmp, "table")
        os.makedirs(d)
        write_pipeline(d)
        p = run_host(d, "-q", "run")
        if p.returncode != 0:
            check("the table pipeline runs", False, p.stderr)
            return finish()
        want = host_predictions(d)
        for name in ("MLmodel", "python_env.yaml", "requirements.txt"):
            check("the package has %s" % name,
                  os.path.exists(os.path.join(d, "models", "final", name)))
        with open(os.path.join(d, "models", "final", "MLmodel")) as f:
            check("its MLmodel has a python_function flavor loaded by dlpipe.pyfunc",
                  "loader_module: 'dlpipe.pyfunc'" in f.read())
        binding_checks(d, want)
        pip_install_check(tmp)
        mlflow_checks(d, want)
    return finish()


if __name__ == "__main__":
    sys.exit(main())

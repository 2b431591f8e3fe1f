"""MLflow's own UI shows what dlpipe tracked: the table pipeline runs
against a real `mlflow server` (started here on 127.0.0.1), then headless
Chromium renders the experiment's pages after their scripts ran:

- the training runs tab lists the run by its name,
- the models tab lists the run's MLflow 3 logged model (its id, and the run
  it came from),
- the logged model's page shows the test metrics linked to it.

Screenshots of the tabs go to the working folder (the test's build
folder), named in the output. Skipped when Chromium is not installed
(scripts/install-deps.sh installs Debian's).

Arguments: the built libdlpipe-1.so. Prints TAP."""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
from tap import check, finish, gate  # noqa: E402
from common import run_host, setup_environment, start_mlflow_server, stop, tail  # noqa: E402
from common import write_pipeline  # noqa: E402

setup_environment(sys.argv[1])
EXPERIMENT = "dlpipe-ui-test"


class Browser:
    """Headless Chromium with a fresh profile, kept off every host but
    127.0.0.1 (the UI must not reach the internet from a test)."""

    def __init__(self, program, tmp):
        self.argv = [program, "--headless", "--no-sandbox", "--disable-gpu",
                     "--user-data-dir=" + os.path.join(tmp, "chromium-profile"),
                     "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--disable-extensions",
                     "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                     "--window-size=1600,1000",
                     # Time for the page's requests and rendering.
                     "--virtual-time-budget=20000"]

    def _run(self, extra, url):
        p = subprocess.run(self.argv + extra + [url], capture_output=True, text=True,
                           timeout=60)
        return p.returncode, p.stdout, p.stderr

    def dom(self, url):
        """The DOM after the page's scripts ran, or "" with why."""
        rc, out, err = self._run(["--dump-dom"], url)
        return (out, "") if rc == 0 else ("", err[-2000:])

    def screenshot(self, url, path):
        rc, _, err = self._run(["--screenshot=" + path], url)
        return rc == 0 and os.path.exists(path), err[-2000:]


def page_checks(browser, uri, experiment_id, run, model_id):
    base = "%s/#/experiments/%s" % (uri, experiment_id)
    run_name = run.info.run_name
    dom, why = browser.dom(base + "/runs")
    check("the experiment's training runs tab lists run '%s'" % run_name, run_name in dom,
          why or dom[-2000:])

    dom, why = browser.dom(base + "/models")
    check("the models tab lists logged model %s" % model_id, model_id in dom,
          why or dom[-2000:])
    check("the models tab names the run the model came from", run_name in dom,
          why or dom[-2000:])

    dom, why = browser.dom("%s/models/%s" % (base, model_id))
    check("the logged model's page shows its test metrics",
          "test_accuracy" in dom and "test_macro_f1" in dom, why or dom[-2000:])

    for tab in ("runs", "models"):
        path = os.path.abspath("mlflow-ui-%s.png" % tab)
        ok, why = browser.screenshot("%s/%s" % (base, tab), path)
        check("a screenshot of the %s tab" % tab, ok, why)
        if ok:
            print("# screenshot: %s" % path)


def main():
    program = shutil.which("chromium") or shutil.which("chromium-browser")
    if program is None:
        print("1..0 # SKIP Chromium is not installed (scripts/install-deps.sh)")
        return 0
    try:
        from mlflow import MlflowClient
    except ImportError as e:
        print("1..0 # SKIP MLflow is not installed (scripts/setup-python.sh): %s" % e)
        return 0
    tmp = tempfile.mkdtemp(prefix="dlpipe-ui-")
    server = None
    try:
        server, uri, server_log = start_mlflow_server(tmp)
        if not gate("mlflow server starts", server is not None, tail(server_log)):
            return finish()
        os.environ["MLFLOW_TRACKING_URI"] = uri
        d = os.path.join(tmp, "table")
        os.makedirs(d)
        write_pipeline(d, "tracking: {tracker: mlflow, experiment: %s}" % EXPERIMENT)
        p = run_host(d, "run")
        if not gate("the pipeline runs against the server", p.returncode == 0, p.stderr):
            return finish()
        client = MlflowClient(uri)
        experiment = client.get_experiment_by_name(EXPERIMENT)
        runs = client.search_runs([experiment.experiment_id])
        models = client.search_logged_models([experiment.experiment_id])
        if not gate("the server has one run and one logged model",
                    len(runs) == 1 and len(models) == 1, (runs, models)):
            return finish()
        page_checks(Browser(program, tmp), uri, experiment.experiment_id, runs[0],
                    models[0].model_id)
    finally:
        if server:
            stop(server)
        shutil.rmtree(tmp, ignore_errors=True)
    return finish()


if __name__ == "__main__":
    sys.exit(main())

"""Champion and challenger against a real `mlflow server` (started here on
127.0.0.1): model_test registers every version as candidate and moves
champion only to a version that beats the champion on the same test split;
`dlpipe mlflow models` lists the versions with their aliases and metrics,
`dlpipe mlflow promote` moves an alias by hand; each with clear errors.

Arguments: the built libdlpipe-1.so. Prints TAP."""
import json
import os
import socket
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
from tap import check, finish, gate  # noqa: E402
from common import registry_pipeline, run_host, setup_environment  # noqa: E402

setup_environment(sys.argv[1])
MODEL = "dlpipe-champion-test"


def aliases(client):
    """{alias: version} of the model."""
    return {a: int(v) for a, v in client.get_registered_model(MODEL).aliases.items()}


def metrics_of(client, version):
    return client.get_run(client.get_model_version(MODEL, str(version)).run_id).data.metrics


def run_pipeline(d, *settings):
    args = ["run"]
    for s in settings:
        args += ["--set", s]
    return run_host(d, *args)


def environment_check(d, client):
    """The run logs the package's environment as an artifact of its own."""
    import mlflow.artifacts
    run_id = client.get_model_version(MODEL, "1").run_id
    try:
        path = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="environment.json",
                                                   dst_path=os.path.join(d, "downloaded"))
        with open(path) as f:
            logged = json.load(f)
    except Exception as e:  # noqa: BLE001 - the test reports any failure
        logged = {"error": repr(e)}
    with open(os.path.join(d, "models", "final", "environment.json")) as f:
        local = json.load(f)
    layers = [p["type"] for p in local.get("plugins", []) if p.get("kind") == "layer"]
    check("the run logs the package's environment (environment.json)",
          logged == local and "dense" in layers and logged.get("api_level", 0) >= 4, logged)


def challenger_checks(d, client):
    """v1 weak, v2 strong on the same split, v3 the same model again."""
    p = run_pipeline(d, "train.epochs=1")
    if not gate("a first version registers", p.returncode == 0, p.stderr):
        return False
    check("with no champion yet, the first version reaching the threshold is the champion",
          aliases(client) == {"candidate": 1, "champion": 1}, (aliases(client), p.stderr))
    check("model_test says there was no champion", "has no champion yet" in p.stderr, p.stderr)
    weak = metrics_of(client, 1)["test_accuracy"]
    environment_check(d, client)

    p = run_pipeline(d, "train.epochs=60")
    if not gate("a second version registers", p.returncode == 0, p.stderr):
        return False
    strong = metrics_of(client, 2)
    if not gate("the longer training scores higher on the same split (%.4f > %.4f)"
                % (strong["test_accuracy"], weak), strong["test_accuracy"] > weak):
        return False
    check("a version that beats the champion on the same split becomes the champion",
          aliases(client) == {"candidate": 2, "champion": 2}, aliases(client))
    check("the run records the champion's figure it beat",
          strong.get("champion_test_accuracy") == weak, strong)
    check("the message gives both figures",
          ("%.4f beats %.4f" % (strong["test_accuracy"], weak)) in p.stderr, p.stderr)

    p = run_host(d, "stage", "model_test")
    if not gate("model_test again registers a third version", p.returncode == 0, p.stderr):
        return False
    check("a version that only equals the champion stays a candidate",
          aliases(client) == {"candidate": 3, "champion": 2}, aliases(client))
    check("the message says the champion stays, with both figures",
          ("does not beat %.4f, the champion's (version 2)" % strong["test_accuracy"])
          in p.stderr, p.stderr)
    check("every run records the MD5 of its test split, the same one",
          len({client.get_run(client.get_model_version(MODEL, str(v)).run_id)
               .data.tags.get("dlpipe.test_split_md5") for v in (1, 2, 3)}) == 1)
    return True


def models_checks(d, client):
    p = run_host(d, "mlflow", "models", MODEL, "--json")
    if not gate("dlpipe mlflow models NAME --json", p.returncode == 0, p.stderr):
        return
    listed = json.loads(p.stdout)
    check("it lists every version, newest first",
          [v["version"] for v in listed] == ["3", "2", "1"], listed)
    check("with their aliases",
          [v["aliases"] for v in listed] == [["candidate"], ["champion"], []], listed)
    check("with the test metrics of the runs that made them",
          all(v["metrics"].get("test_accuracy") == metrics_of(client, int(v["version"]))
              ["test_accuracy"] for v in listed), listed)
    p = run_host(d, "mlflow", "models")
    check("dlpipe mlflow models lists every model in a table",
          p.returncode == 0 and "champion" in p.stdout and MODEL in p.stdout, p.stdout + p.stderr)


def promote_checks(d, client):
    p = run_host(d, "mlflow", "promote", MODEL, "1")
    check("dlpipe mlflow promote NAME VERSION moves champion",
          p.returncode == 0 and aliases(client) == {"candidate": 3, "champion": 1},
          (p.stderr, aliases(client)))
    p = run_host(d, "mlflow", "promote", MODEL, "3", "--alias", "staging")
    check("--alias names another alias",
          p.returncode == 0 and aliases(client).get("staging") == 3, (p.stderr, aliases(client)))
    cases = [
        (["models", "no-such-model"], "no-such-model"),
        (["promote", "no-such-model", "1"], "no-such-model"),
        (["promote", MODEL, "99"], "99"),
        (["promote", MODEL, "1", "--alias", "latest"], "not an alias MLflow takes"),
        (["promote", MODEL], "expected NAME VERSION"),
    ]
    for args, named in cases:
        p = run_host(d, "mlflow", *args)
        check("dlpipe mlflow %s fails naming %s" % (" ".join(args), named),
              p.returncode != 0 and named in p.stderr and p.stdout == "", (p.returncode, p.stderr))
    check("a refused promote moved nothing",
          aliases(client) == {"candidate": 3, "champion": 1, "staging": 3}, aliases(client))


def other_split_checks(d, client):
    p = run_pipeline(d, "train.epochs=60", "data_split.test_size=0.4")
    if not gate("a version tested on another split registers", p.returncode == 0, p.stderr):
        return
    check("the champion tested on another split stays",
          aliases(client)["champion"] == 1 and aliases(client)["candidate"] == 4, aliases(client))
    check("model_test warns that the splits differ, naming both digests",
          "another test split" in p.stderr and "promote" in p.stderr, p.stderr)


def unreachable_checks(d):
    # A server that takes connections and never answers: the tracker's
    # timeout and retries would wait many minutes; the champion's read
    # gives up after tracking.flush_timeout.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)
    dead = "http://127.0.0.1:%d" % silent.getsockname()[1]
    try:
        p = run_host(d, "stage", "model_test", "--set", "tracking.flush_timeout=2",
                     env={"MLFLOW_TRACKING_URI": dead})
    finally:
        silent.close()
    check("with the registry unreachable model_test still succeeds, warning that the "
          "champion stays", p.returncode == 0 and "cannot read the champion" in p.stderr
          and "no answer within 2 s (tracking.flush_timeout)" in p.stderr, p.stderr)
    p = run_host(d, "mlflow", "models", "--set", "x=1")
    check("an unknown option is a usage error", p.returncode != 0, p.stderr)
    none = os.path.join(d, "none.yaml")
    with open(none, "w") as f:
        f.write("tracking: {tracker: none}\n")
    p = run_host(d, "mlflow", "models", "-p", none)
    check("a params file without a registry tracker is a clear error",
          p.returncode != 0 and "has no model registry" in p.stderr, p.stderr)


def main():
    try:
        import mlflow  # noqa: F401
    except ImportError as e:
        print("1..0 # SKIP MLflow is not installed (scripts/setup-python.sh): %s" % e)
        return 0
    with registry_pipeline("dlpipe-champion-", MODEL) as ready:
        if ready:
            _, client, d = ready
            if challenger_checks(d, client):
                models_checks(d, client)
                promote_checks(d, client)
                other_split_checks(d, client)
            unreachable_checks(d)
    return finish()


if __name__ == "__main__":
    sys.exit(main())

"""`dlpipe serve --model models:/...` against a real `mlflow server` (started
here on 127.0.0.1): the URI resolved through the registry, the package
downloaded into the cache and served; with --follow, the alias moved while
wrk keeps requests in flight, and not one of them fails or gets another
answer than the old or the new version's; clear errors for an unknown
model, alias or version, an unreachable server and a damaged artifact, and
nothing half-downloaded left in the cache.

Arguments: none. Prints TAP."""
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
from tap import check, finish, gate  # noqa: E402
from common import free_port, host_predictions, registry_pipeline, run_host, same  # noqa: E402
from common import start, stop, tail  # noqa: E402

MODEL = "dlpipe-serve-registry-test"
# With the probabilities, two versions' answers differ.
URL = "http://127.0.0.1:%d/invocations?probabilities=true"

# wrk's script: POSTs the body file (its first argument) and sorts every
# answer: the old version's (the second file), the new one's (the third),
# or anything else, which includes every status but 200.
WRK_SCRIPT = r"""
local threads = {}
function setup(thread) table.insert(threads, thread) end
local function slurp(path)
  local f = assert(io.open(path, "rb")); local t = f:read("*a"); f:close(); return t
end
function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "text/csv"
  wrk.body = slurp(args[1]); old_answer = slurp(args[2]); new_answer = slurp(args[3])
  old, new, other = 0, 0, 0
end
function response(status, headers, body)
  if status == 200 and body == old_answer then old = old + 1
  elseif status == 200 and body == new_answer then new = new + 1
  else other = other + 1 end
end
function done(summary, latency, requests)
  local o, n, x = 0, 0, 0
  for _, t in ipairs(threads) do o = o + t:get("old"); n = n + t:get("new"); x = x + t:get("other") end
  io.write(string.format("answers: old %d new %d other %d\n", o, n, x))
end
"""


def body_of(d):
    """The header and first 40 rows of rows.csv, raw as they came."""
    with open(os.path.join(d, "rows.csv"), "rb") as f:
        return b"".join(f.readlines()[:41])


def post(port, body):
    request = urllib.request.Request(URL % port, data=body,
                                     headers={"Content-Type": "text/csv"})
    with urllib.request.urlopen(request, timeout=60) as r:
        return r.read()


class Server:
    """`dlpipe serve` on a free port, its log in @log."""

    def __init__(self, cwd, log, *args):
        self.log = log
        argv = [os.environ["DLP_TEST_HOST"], "serve", "--port", "0", "--workers", "2"] + list(args)
        self.process = start(argv, cwd, log)
        self.port = None
        deadline = time.time() + 120
        while time.time() < deadline and self.process.poll() is None:
            found = re.search(r"listening on http://127\.0\.0\.1:(\d+)", self.text())
            if found:
                self.port = int(found.group(1))
                break
            time.sleep(0.2)

    def text(self):
        with open(self.log) as f:
            return f.read()

    def stop(self):
        stop(self.process)


def agrees(answer, want):
    """Whether a served answer has `dlpipe predict`'s labels and
    probabilities (within 1e-5)."""
    rows = json.loads(answer)["predictions"]
    served = ([r["label"] for r in rows], [list(r["probabilities"].values()) for r in rows])
    return same(served[0], served[1], want)


def train_versions(d):
    """Version 1 (one epoch) and version 2 (sixty), champion left on 1;
    `dlpipe predict`'s labels of the first 40 rows of each."""
    labels = []
    for epochs in (1, 60):
        p = run_host(d, "run", "--set", "train.epochs=%d" % epochs)
        if not gate("the pipeline registers a version trained %d epochs" % epochs,
                    p.returncode == 0, p.stderr):
            return None
        got = host_predictions(d)
        labels.append((got[0][:40], got[1][:40]))
    p = run_host(d, "mlflow", "promote", MODEL, "1")
    if not gate("champion goes back to version 1", p.returncode == 0, p.stderr):
        return None
    return labels


def version_checks(tmp, serve_dir, cache, body, labels):
    """models:/NAME/VERSION: downloaded once, served from the cache after."""
    log = os.path.join(tmp, "serve-v2.log")
    s = Server(serve_dir, log, "--model", "models:/%s/2" % MODEL, "--cache-dir", cache)
    try:
        if not gate("dlpipe serve --model models:/NAME/2 starts", s.port, tail(log)):
            return None
        answer = post(s.port, body)
        check("it answers with version 2's predictions (as dlpipe predict gives them)",
              *agrees(answer, labels[1]))
        check("it says which version it serves and where it downloaded it",
              "(version 2)" in s.text() and "downloading models:/m-" in s.text(), s.text())
    finally:
        s.stop()
    entries = os.listdir(cache)
    check("the cache holds the one package, nothing partial", len(entries) == 1, entries)
    s = Server(serve_dir, log, "--model", "models:/%s/2" % MODEL, "--cache-dir", cache)
    try:
        check("a second start serves it from the cache",
              s.port and "in the cache" in s.text() and post(s.port, body) == answer, s.text())
    finally:
        s.stop()
    return answer


def follow_checks(tmp, serve_dir, cache, body, labels, new_answer):
    """--follow under wrk's load, the alias moved while requests fly."""
    log = os.path.join(tmp, "serve-follow.log")
    s = Server(serve_dir, log, "--model", "models:/%s@champion" % MODEL, "--follow",
               "--poll-interval", "1", "--cache-dir", cache)
    try:
        if not gate("dlpipe serve --model models:/NAME@champion --follow starts", s.port,
                    tail(log)):
            return
        old_answer = post(s.port, body)
        check("it serves the champion, version 1", agrees(old_answer, labels[0])[0]
              and "(version 1)" in s.text(), (agrees(old_answer, labels[0]), s.text()))
        files = []
        for name, data in (("load.lua", WRK_SCRIPT.encode()), ("body.csv", body),
                           ("old.json", old_answer), ("new.json", new_answer)):
            files.append(os.path.join(tmp, name))
            with open(files[-1], "wb") as f:
                f.write(data)
        wrk = subprocess.Popen(["wrk", "-t2", "-c8", "-d10s", "--timeout", "10s",
                                "-s", files[0], URL % s.port,
                                "--"] + files[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
        time.sleep(3)
        p = run_host(tmp, "mlflow", "promote", MODEL, "2", "-p", os.path.join(tmp, "table",
                                                                              "params.yaml"))
        check("champion moves to version 2 while requests fly", p.returncode == 0, p.stderr)
        out, _ = wrk.communicate(timeout=60)
        counts = re.search(r"answers: old (\d+) new (\d+) other (\d+)", out)
        old, new, other = (int(x) for x in counts.groups()) if counts else (0, 0, -1)
        check("wrk's requests all got an answer: no non-2xx, no socket error",
              wrk.returncode == 0 and "Non-2xx" not in out and "Socket errors" not in out
              and other == 0, out)
        check("the answers were version 1's, then version 2's (%d and %d)" % (old, new),
              old > 0 and new > 0, out)
        check("the server says it swapped in version 2",
              "now serving models:/%s@champion (version 2)" % MODEL in s.text(), s.text())
        check("once swapped it answers as version 2", post(s.port, body) == new_answer)
    finally:
        s.stop()
    check("it exits cleanly on SIGTERM", s.process.returncode == 0, tail(log))


def run_checks(tmp, serve_dir, body, labels, client):
    """runs:/RUN_ID/model: the run's own copy of the package."""
    run_id = client.get_model_version(MODEL, "2").run_id
    log = os.path.join(tmp, "serve-run.log")
    s = Server(serve_dir, log, "--model", "runs:/%s/model" % run_id, "--cache-dir",
               os.path.join(tmp, "cache-runs"))
    try:
        check("dlpipe serve --model runs:/RUN_ID/model serves that run's model",
              s.port and agrees(post(s.port, body), labels[1])[0], tail(log))
    finally:
        s.stop()


def serve_fails(serve_dir, *args, env=None):
    return run_host(serve_dir, "serve", "--port", "0", *args, env=env)


def error_checks(tmp, serve_dir, client, artifacts):
    cache = os.path.join(tmp, "cache-errors")
    cases = [
        ("models:/no-such-model@champion", "no-such-model"),
        ("models:/%s@no-such-alias" % MODEL, "no-such-alias"),
        ("models:/%s/99" % MODEL, "no version 99"),
        ("models:/%s" % MODEL, "expected models:/NAME@ALIAS"),
    ]
    for uri, named in cases:
        p = serve_fails(serve_dir, "--model", uri, "--cache-dir", cache)
        check("--model %s fails naming %s" % (uri, named),
              p.returncode != 0 and named in p.stderr and "listening" not in p.stdout,
              (p.returncode, p.stderr))
    p = serve_fails(serve_dir, "--model", "models:/%s/1" % MODEL, "--follow")
    check("--follow of a fixed version is refused",
          p.returncode != 0 and "follow an alias" in p.stderr, p.stderr)
    dead = "http://127.0.0.1:%d" % free_port()
    p = serve_fails(serve_dir, "--model", "models:/%s@champion" % MODEL, "--cache-dir", cache,
                    env={"MLFLOW_TRACKING_URI": dead})
    check("an unreachable server is a clear error naming it",
          p.returncode != 0 and "cannot reach " + dead in p.stderr, p.stderr)

    # Cut version 1's weights short in the server's store.
    model_id = client.get_model_version(MODEL, "1").source.split("/")[-1]
    location = client.get_logged_model(model_id).artifact_location
    folder = os.path.join(artifacts, location.split("mlflow-artifacts:/", 1)[1].lstrip("/"))
    weights = os.path.join(folder, "weights.safetensors")
    size = os.path.getsize(weights)
    with open(weights, "r+b") as f:
        f.truncate(size // 2)
    p = serve_fails(serve_dir, "--model", "models:/%s/1" % MODEL, "--cache-dir", cache)
    check("a truncated artifact is refused, naming the file",
          p.returncode != 0 and "not a whole model package" in p.stderr
          and "weights.safetensors" in p.stderr, p.stderr)
    left = os.listdir(cache) if os.path.isdir(cache) else []
    check("nothing of the failed downloads is left in the cache", left == [], left)


def serve_all(tmp, client, d):
    labels = train_versions(d)
    if labels is None:
        return
    # Served from a folder of its own: MLFLOW_TRACKING_URI alone reaches
    # the registry.
    serve_dir = os.path.join(tmp, "serve")
    os.makedirs(serve_dir)
    cache = os.path.join(tmp, "cache")
    body = body_of(d)
    new_answer = version_checks(tmp, serve_dir, cache, body, labels)
    if new_answer:
        follow_checks(tmp, serve_dir, cache, body, labels, new_answer)
    run_checks(tmp, serve_dir, body, labels, client)
    error_checks(tmp, serve_dir, client, os.path.join(tmp, "mlartifacts"))


def main():
    try:
        import mlflow  # noqa: F401
    except ImportError as e:
        print("1..0 # SKIP MLflow is not installed (scripts/setup-python.sh): %s" % e)
        return 0
    if shutil.which("wrk") is None:
        print("1..0 # SKIP wrk is not installed (scripts/install-deps.sh)")
        return 0
    with registry_pipeline("dlpipe-serve-registry-", MODEL) as ready:
        if ready:
            serve_all(*ready)
    return finish()


if __name__ == "__main__":
    sys.exit(main())

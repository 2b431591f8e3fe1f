"""Hostile input and hostile conditions, through the built dlpipe:
every resource limit (and its variable), kill -9 at random moments of a
stage writing its outputs, and a full disk. Prints TAP."""
import gzip
import hashlib
import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tap import check, skip, dlpipe, finish  # noqa: E402

DLPIPE = os.environ["DLP_TEST_HOST"]


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def limit_refused(r, variable):
    return r.returncode == 1 and variable in r.stderr and "raise the limit" in r.stderr


def test_limits(tmp):
    d = os.path.join(tmp, "limits")
    # A billion laughs: nine levels of ten aliases.
    bomb = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        bomb.append("a%d: &a%d [%s]" % (i, i, ", ".join(["*a%d" % (i - 1)] * 10)))
    write(os.path.join(d, "params.yaml"), "\n".join(bomb) + "\n")
    t = time.monotonic()
    r = dlpipe(d, "stage", "data_split")
    check("an alias bomb in params.yaml fails fast", limit_refused(r, "DLPIPE_LIMIT_YAML_NODES")
          and time.monotonic() - t < 10, r.stderr)
    write(os.path.join(d, "params.yaml"), "a: " + "[" * 200 + "]" * 200 + "\n")
    r = dlpipe(d, "stage", "data_split")
    check("nesting deeper than the limit is refused", limit_refused(r, "DLPIPE_LIMIT_YAML_DEPTH"), r.stderr)
    r = dlpipe(d, "stage", "data_split", env={"DLPIPE_LIMIT_YAML_DEPTH": "1000"})
    # Read whole, the params let the stage go on to its (missing) input.
    check("raising the depth limit lets the file through",
          "DLPIPE_LIMIT_YAML_DEPTH" not in r.stderr and "data/processed/dataset.safetensors" in r.stderr,
          r.stderr)

    rows = ["label,x"] + ["%s,%d" % ("ab"[i % 2], i) for i in range(50)] + ["a," + "9" * 5000]
    write(os.path.join(d, "wide.csv"), "\n".join(rows) + "\n")
    write(os.path.join(d, "params.yaml"), "data_ingestion: {source: csv, path: wide.csv, label: label}\n")
    r = dlpipe(d, "stage", "data_ingestion", env={"DLPIPE_LIMIT_CSV_FIELD_BYTES": "1000"})
    check("a CSV field over the limit is refused, naming the line",
          limit_refused(r, "DLPIPE_LIMIT_CSV_FIELD_BYTES") and "wide.csv:52" in r.stderr, r.stderr)
    check("... and leaves no output", not os.path.exists(os.path.join(d, "data/raw/dataset.safetensors")))
    r = dlpipe(d, "stage", "data_ingestion", env={"DLPIPE_LIMIT_CSV_ROW_BYTES": "4096"})
    check("a CSV record over the limit is refused", limit_refused(r, "DLPIPE_LIMIT_CSV_ROW_BYTES"), r.stderr)
    r = dlpipe(d, "stage", "data_ingestion")
    check("the default limits read the same file", r.returncode == 0, r.stderr)
    write(os.path.join(d, "quote.csv"), "label,x\na,\"" + "y" * 100000 + "\n")
    write(os.path.join(d, "params.yaml"), "data_ingestion: {source: csv, path: quote.csv, label: label}\n")
    r = dlpipe(d, "stage", "data_ingestion", env={"DLPIPE_LIMIT_CSV_ROW_BYTES": "65536"})
    check("an unterminated quote stops at the record limit",
          limit_refused(r, "DLPIPE_LIMIT_CSV_ROW_BYTES") and "quote.csv:2" in r.stderr, r.stderr)

    # 2,000 black images: gzip squeezes them about a thousandfold.
    images = struct.pack(">IIII", 0x803, 2000, 28, 28) + bytes(2000 * 784)
    labels = struct.pack(">II", 0x801, 2000) + bytes(i % 10 for i in range(2000))
    with gzip.open(os.path.join(d, "img.gz"), "wb") as f:
        f.write(images)
    with gzip.open(os.path.join(d, "lab.gz"), "wb") as f:
        f.write(labels)
    write(os.path.join(d, "params.yaml"),
          "data_ingestion: {source: idx, images: img.gz, labels: lab.gz}\n")
    r = dlpipe(d, "stage", "data_ingestion")
    check("a gzip file expanding beyond the ratio limit is refused",
          limit_refused(r, "DLPIPE_LIMIT_GZIP_RATIO"), r.stderr)
    r = dlpipe(d, "stage", "data_ingestion", env={"DLPIPE_LIMIT_GZIP_RATIO": "1032"})
    check("raising the ratio limit reads it", r.returncode == 0, r.stderr)
    r = dlpipe(d, "stage", "data_transformation", env={"DLPIPE_LIMIT_TENSOR_BYTES": "100000"})
    check("a tensor over the size limit is refused when read",
          limit_refused(r, "DLPIPE_LIMIT_TENSOR_BYTES"), r.stderr)

    # Ten billion parameters from a few bytes of params: refused before
    # anything is allocated, with nothing written.
    m = os.path.join(tmp, "model-limit")
    model = "model: {type: mlp, input_shape: [784], num_classes: 10, mlp: {hidden_units: [%s]}}\n"
    write(os.path.join(m, "params.yaml"), model % "100000, 100000")
    t = time.monotonic()
    r = dlpipe(m, "stage", "model_builder")
    check("a model over the parameter limit is refused at once",
          limit_refused(r, "DLPIPE_LIMIT_MODEL_PARAMS") and "dense_1" in r.stderr
          and time.monotonic() - t < 10 and not os.path.exists(os.path.join(m, "models")), r.stderr)
    write(os.path.join(m, "params.yaml"), model % "16")
    r = dlpipe(m, "stage", "model_builder", env={"DLPIPE_LIMIT_MODEL_PARAMS": "10000"})
    check("the parameter limit is read from its variable",
          limit_refused(r, "DLPIPE_LIMIT_MODEL_PARAMS"), r.stderr)
    r = dlpipe(m, "stage", "model_builder")
    check("a model under the parameter limit builds",
          r.returncode == 0 and os.path.exists(os.path.join(m, "models", "built", "weights.safetensors")),
          r.stderr)


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def measured_peak(cwd, *args):
    """Runs dlpipe; returns the result, its CPU seconds (what other work on
    the machine does not change) and its peak memory in MB."""
    p = subprocess.Popen([DLPIPE] + list(args), cwd=cwd, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    out = p.stdout.read()
    err = p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    seconds = usage.ru_utime + usage.ru_stime
    r = subprocess.CompletedProcess(p.args, os.waitstatus_to_exitcode(status),
                                    out.decode(errors="replace"), err.decode(errors="replace"))
    return r, seconds, usage.ru_maxrss // 1024


def flow(levels, first, make_level):
    """A one-line YAML mapping a0..aN, each level made of the one before."""
    items = ["a0: &a0 %s" % first]
    for i in range(1, levels):
        items.append("a%d: &a%d %s" % (i, i, make_level("*a%d" % (i - 1))))
    return "{" + ", ".join(items) + "}"


def test_alias_bombs(tmp):
    """Every shape of alias bomb fails within a second and 200 MB (bounds
    checked in the plain build: AddressSanitizer's shadow memory and
    slower code are not what a user runs)."""
    bounded = "ASAN_OPTIONS" not in os.environ
    d = os.path.join(tmp, "bombs")
    os.makedirs(d)
    seq = lambda prev: "[" + ", ".join([prev] * 10) + "]"
    mapping = lambda prev: "{" + ", ".join("k%d: %s" % (k, prev) for k in range(10)) + "}"
    # Each level merges the one before and adds it again under a key of its own.
    merge = lambda prev: "{<<: %s, t%s: %s}" % (prev, prev[2:], prev)
    shapes = [
        ("a sequence bomb", flow(9, "[x, x, x, x, x, x, x, x, x, x]", seq)),
        ("a mapping bomb", flow(9, "{k: x}", mapping)),
        ("a merge-key bomb", flow(40, "{k0: x, k1: y}", merge)),
        ("a bomb of 1,000-character strings", flow(9, "[%s]" % ("x" * 1000), seq)),
        ("a bomb of 20,000-character strings", flow(9, "[%s]" % ("y" * 20000), seq)),
    ]
    for name, text in shapes:
        write(os.path.join(d, "params.yaml"), "bomb: " + text + "\n")
        r, seconds, peak = measured_peak(d, "stage", "data_split")
        check("%s in params.yaml fails in %.2f s of CPU at %d MB (under 1 s and 200 MB)"
              % (name, seconds, peak), (limit_refused(r, "DLPIPE_LIMIT_YAML_NODES")
                                        or limit_refused(r, "DLPIPE_LIMIT_YAML_BYTES"))
              and (not bounded or (seconds < 1 and peak < 200)), r.stderr)
        write(os.path.join(d, "params.yaml"), "data_split: {seed: 1}\n")
        r, seconds, peak = measured_peak(d, "stage", "data_split", "--set", "bomb=" + text)
        check("... and given with --set, in %.2f s at %d MB" % (seconds, peak),
              (limit_refused(r, "DLPIPE_LIMIT_YAML_NODES") or limit_refused(r, "DLPIPE_LIMIT_YAML_BYTES"))
              and "--set bomb=" in r.stderr and (not bounded or (seconds < 1 and peak < 200)),
              r.stderr[:400])


def test_kill_loop(tmp, iterations=20):
    d = os.path.join(tmp, "kill")
    params = ("data_ingestion: {source: idx, path: /usr/share/datasets/fashion-mnist, subsets: [test]}\n"
              "data_transformation:\n  steps:\n    - normalize: {method: scale, factor: %s}\n")
    write(os.path.join(d, "params.yaml"), params % "0.5")
    r = dlpipe(d, "run", "--only", "data_ingestion", "--only", "data_transformation")
    out = os.path.join(d, "data/processed/dataset.safetensors")
    check("the kill loop's first run succeeds", r.returncode == 0, r.stderr)
    old = digest(out)
    shutil.copy(out, os.path.join(tmp, "old.safetensors"))
    write(os.path.join(d, "params.yaml"), params % "0.25")
    t = time.monotonic()
    r = dlpipe(d, "stage", "data_transformation")
    duration = time.monotonic() - t
    new = digest(out)
    torn = []
    landed = 0   # kills that found the stage still running
    rng = random.Random(7)
    for i in range(iterations):
        shutil.copy(os.path.join(tmp, "old.safetensors"), out)
        p = subprocess.Popen([DLPIPE, "-q", "stage", "data_transformation"], cwd=d,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, duration * 1.1))
        landed += p.poll() is None
        p.send_signal(signal.SIGKILL)
        p.wait()
        h = digest(out) if os.path.exists(out) else None
        if h not in (old, new):
            torn.append((i, h))
    check("kill -9 at %d random moments leaves the old output or the new one, never a torn file"
          % iterations, not torn and landed > 0, (torn, landed))
    r = dlpipe(d, "stage", "data_transformation")
    leftovers = [f for f in os.listdir(os.path.dirname(out)) if f.startswith(".")]
    check("a rerun after the kills succeeds and leaves no temporary file",
          r.returncode == 0 and digest(out) == new and not leftovers, (r.stderr, leftovers))


def test_full_disk(tmp):
    disk = os.path.join(tmp, "disk")
    os.makedirs(disk)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", disk],
                      capture_output=True).returncode != 0:
        skip("a full disk gives a clear error and no partial output", "cannot mount a tmpfs here")
        return
    try:
        write(os.path.join(disk, "params.yaml"),
              "data_ingestion: {source: idx, path: /usr/share/datasets/fashion-mnist, subsets: [test]}\n")
        r = dlpipe(disk, "stage", "data_ingestion")
        files = []
        for root, _, names in os.walk(disk):
            files += [os.path.join(root, n) for n in names if n != "params.yaml"]
        check("a full disk gives a clear error and no partial output",
              r.returncode == 1 and "No space left on device" in r.stderr
              and "data/raw/dataset.safetensors" in r.stderr and not files, (r.stderr, files))
    finally:
        subprocess.run(["umount", disk])


def main():
    tmp = tempfile.mkdtemp(prefix="dlpipe-hardening-")
    try:
        test_limits(tmp)
        test_alias_bombs(tmp)
        test_kill_loop(tmp)
        test_full_disk(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return finish()


if __name__ == "__main__":
    sys.exit(main())

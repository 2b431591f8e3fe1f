"""Data-parallel training under a real Open MPI job, as a user runs it:
`mpirun -np 2 dlpipe stage model_trainer` against one process with the
same global batch, rank 1 in a folder of its own (as on a second host)
that it must leave untouched, a job killed and resumed, a rank killed
mid-epoch, a rank with a corrupt shard, and the launch from params
(`dlpipe run`, dvc.yaml), and two hosts: network namespaces joined by a
veth pair, the ranks talking TCP. Prints TAP."""
import array
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tap import check, dlpipe, finish, gate, skip  # noqa: E402

DLPIPE = os.environ["DLP_TEST_HOST"]
# A job that hangs fails its check instead of the test's timeout.
JOB_SECONDS = 120
# Float sums in another order: 2 ranks' gradients are added in another
# order than one process adds its rows, so weights agree to rounding.
WEIGHT_TOLERANCE = 1e-5
MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
           "OMPI_MCA_btl_vader_single_copy_mechanism": "none"}

PARAMS = """
data_ingestion:
  source: idx
  path: /usr/share/datasets/fashion-mnist
  subsets: [test]
data_transformation:
  steps:
    - normalize: {method: scale, factor: 0.00392156862745098}
    - reshape: {column: image, shape: [784]}
data_split: {test_size: 0.2, seed: 1}
model:
  type: mlp
  input_shape: [784]
  num_classes: 10
  mlp: {hidden_units: [%(hidden)s], dropout: 0.2}
train:
  epochs: %(epochs)d
  batch_size: 32
  threads: 1
  optimizer: {type: adam, learning_rate: 0.001}
test: {}
tracking: {tracker: none}
"""


def weights(d):
    """{tensor name: floats} of a folder's models/trained."""
    with open(os.path.join(d, "models/trained/weights.safetensors"), "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for name, t in header.items():
        if name != "__metadata__":
            lo, hi = t["data_offsets"]
            out[name] = array.array("f", data[8 + n + lo:8 + n + hi])
    return out


def max_difference(a, b):
    if sorted(a) != sorted(b):
        return float("inf")
    return max(abs(x - y) for k in a for x, y in zip(a[k], b[k]))


def listing(d):
    return sorted((os.path.relpath(os.path.join(r, f), d), os.path.getsize(os.path.join(r, f)))
                  for r, _, fs in os.walk(d) for f in fs)


def make_base(tmp, name, hidden, epochs):
    """A folder with the data stages and model_builder done."""
    d = os.path.join(tmp, name)
    os.makedirs(d)
    with open(os.path.join(d, "params.yaml"), "w") as f:
        f.write(PARAMS % {"hidden": hidden, "epochs": epochs})
    for stage in ["data_ingestion", "data_transformation", "data_split", "model_builder"]:
        p = dlpipe(d, "stage", stage)
        if p.returncode != 0:
            raise RuntimeError("%s: %s" % (stage, p.stderr))
    return d


def copy(base, name):
    d = os.path.join(os.path.dirname(base), name)
    shutil.copytree(base, d)
    return d


def job_argv(rank0, rank1, *args):
    """Rank 0 in @rank0, rank 1 in @rank1: two folders, as two hosts have."""
    stage = [DLPIPE, "stage", "model_trainer", "--set", "train.distributed.ranks=2"] + list(args)
    return (["mpirun", "--oversubscribe", "-np", "1", "--wdir", rank0] + stage
            + [":", "-np", "1", "--wdir", rank1] + stage)


def run_job(argv, cwd=None):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=JOB_SECONDS, cwd=cwd,
                           env=dict(os.environ, **MPI_ENV))
        return p.returncode, p.stderr
    except subprocess.TimeoutExpired as e:
        return None, (e.stderr or b"").decode() if isinstance(e.stderr, bytes) else (e.stderr or "")


def rank_pids(mpirun_pid):
    """{working folder: pid} of the job's ranks."""
    out = {}
    for pid in subprocess.run(["pgrep", "-P", str(mpirun_pid)], capture_output=True,
                              text=True).stdout.split():
        try:
            out[os.readlink("/proc/%s/cwd" % pid)] = int(pid)
        except OSError:
            pass
    return out


def kill_after(argv, line_start, victims):
    """Starts the job, and once a line starting @line_start shows, kills
    the ranks in the folders @victims with SIGKILL. Returns (exit status
    or None on a hang, stderr, whether the kill happened)."""
    p = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True, env=dict(os.environ, **MPI_ENV))
    seen, killed = [], False
    deadline = time.monotonic() + JOB_SECONDS
    for line in p.stderr:
        seen.append(line)
        if not killed and line.startswith(line_start):
            pids = rank_pids(p.pid)
            for folder in victims:
                if folder in pids:
                    os.kill(pids[folder], signal.SIGKILL)
                    killed = True
            break
    try:
        rest = p.communicate(timeout=max(1, deadline - time.monotonic()))[1]
        return p.returncode, "".join(seen) + rest, killed
    except subprocess.TimeoutExpired:
        p.kill()
        return None, "".join(seen), killed


def test_accuracy(d):
    p = dlpipe(d, "stage", "model_test")
    if p.returncode != 0:
        return None
    with open(os.path.join(d, "reports/metrics.json")) as f:
        return json.load(f)["accuracy"]


def equivalence(tmp):
    base = make_base(tmp, "small", "64", 3)
    one, r0, r1 = copy(base, "one"), copy(base, "r0"), copy(base, "r1")
    p = dlpipe(one, "stage", "model_trainer")
    gate("one process trains", p.returncode == 0, p.stderr)
    before = listing(r1)
    rc, err = run_job(job_argv(r0, r1))
    if not gate("mpirun -np 2 dlpipe stage model_trainer trains", rc == 0, err):
        return
    diff = max_difference(weights(one), weights(r0))
    check("2 ranks end with the weights of one process with the same global batch "
          "(dropout included), within %g" % WEIGHT_TOLERANCE, diff <= WEIGHT_TOLERANCE,
          "max |difference| %g" % diff)
    check("rank 1 wrote nothing: its folder is as it was", listing(r1) == before,
          "%s" % (set(listing(r1)) ^ set(before)))
    with open(os.path.join(r0, "models/trained/history.json")) as f:
        history = json.load(f)
    check("the history records each epoch's time in the gradient allreduce",
          all(e.get("allreduce_seconds", -1) >= 0 for e in history["epochs"]), history)
    check("the log names the job and the global and per-rank batch",
          "2 ranks" in err and "global batch 32, up to 16 rows per rank" in err, err)
    a, b = test_accuracy(one), test_accuracy(r0)
    check("test accuracy matches one process's", a is not None and b is not None
          and abs(a - b) <= 0.001, "%s and %s" % (a, b))
    return r0


def resumed(tmp):
    base = make_base(tmp, "wide", "512, 512", 5)
    whole0, whole1 = copy(base, "whole0"), copy(base, "whole1")
    k0, k1 = copy(base, "k0"), copy(base, "k1")
    rc, err = run_job(job_argv(whole0, whole1))
    if not gate("an uninterrupted 2-rank run trains", rc == 0, err):
        return
    rc, err, killed = kill_after(job_argv(k0, k1), "dlpipe: epoch 2/5", [k0, k1])
    gate("both ranks were killed (SIGKILL) after epoch 2", killed and rc not in (0, None),
         "rc %s\n%s" % (rc, err))
    check("rank 0 left a checkpoint, and no models/trained",
          os.path.exists(os.path.join(k0, "models/checkpoint/state.safetensors"))
          and not os.path.exists(os.path.join(k0, "models/trained")), listing(k0))
    rc, err = run_job(job_argv(k0, k1, "--resume"))
    if gate("the job resumes under mpirun", rc == 0, err):
        diff = max_difference(weights(whole0), weights(k0))
        check("killed and resumed, it ends with the weights of the uninterrupted 2-rank run",
              diff == 0, "max |difference| %g" % diff)
        check("resumed: the checkpoint is gone once training completed",
              not os.path.exists(os.path.join(k0, "models/checkpoint")), listing(k0))
    return base


def faults(base):
    f0, f1 = copy(base, "f0"), copy(base, "f1")
    rc, err, killed = kill_after(job_argv(f0, f1), "dlpipe: epoch 1/5", [f1])
    check("a rank killed mid-epoch ends the job on every rank, no hang",
          killed and rc is not None and rc != 0, "rc %s\n%s" % (rc, err))
    check("the job's error names the dead rank", "rank 1" in err, err)
    check("with a rank killed, rank 0 wrote no models/trained",
          not os.path.exists(os.path.join(f0, "models/trained")), listing(f0))

    c0, c1 = copy(base, "c0"), copy(base, "c1")
    shard = os.path.join(c1, "data/split/train.safetensors")
    with open(shard, "r+b") as f:
        f.truncate(os.path.getsize(shard) // 2)
    rc, err = run_job(job_argv(c0, c1))
    check("a rank with a corrupt shard ends the job with a non-zero exit",
          rc is not None and rc != 0, "rc %s\n%s" % (rc, err))
    check("the error names the rank and the file",
          "rank 1 of 2" in err and "train.safetensors" in err, err)
    check("with a corrupt shard, rank 0 wrote no models/trained",
          not os.path.exists(os.path.join(c0, "models/trained")), listing(c0))


def launch(base):
    d = copy(base, "launch")
    with open(os.path.join(d, "params.yaml")) as f:
        text = f.read()
    with open(os.path.join(d, "params.yaml"), "w") as f:
        f.write(text.replace("  threads: 1\n", "  threads: 1\n  distributed: "
                             "{ranks: 2, launcher_args: [--oversubscribe]}\n"))
    p = dlpipe(d, "dvc-yaml")
    check("dlpipe dvc-yaml writes the mpirun command into model_trainer's cmd",
          "cmd: mpirun -np 2 --oversubscribe dlpipe stage model_trainer" in p.stdout,
          p.stdout + p.stderr)
    p = dlpipe(d, "run", env=MPI_ENV)
    check("dlpipe run starts model_trainer as the 2-rank job and finishes the pipeline",
          p.returncode == 0 and "starting mpirun -np 2" in p.stderr
          and os.path.exists(os.path.join(d, "models/final")), p.stderr[-3000:])

    p = dlpipe(d, "stage", "model_trainer", "--set", "train.distributed.collective=nccl")
    check("an unknown collective is a clear error naming the plugin",
          p.returncode != 0 and "needs the nccl collective plugin" in p.stderr, p.stderr)


AGENT = """#!/bin/sh
# Open MPI's remote-shell agent for the test's two hosts: HOST COMMAND...
# runs COMMAND in HOST's network namespace, under a hostname of its own.
host=$1; shift
case "$host" in
  %(b)s) ns=%(nsb)s ;;
  *) ns=%(nsa)s ;;
esac
exec ip netns exec "$ns" unshare --uts sh -c "hostname $ns; $*"
"""


def sh(*argv):
    p = subprocess.run(argv, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(argv), p.stderr))


def two_hosts(tmp, base):
    """Two network namespaces joined by a veth pair, each a host with an
    address of its own: Open MPI starts rank 1 in the second through its
    remote-shell agent, and the ranks talk TCP over the veth link."""
    if os.geteuid() != 0 or not shutil.which("ip") or not shutil.which("unshare"):
        skip("training on two hosts", "needs root, ip and unshare for network namespaces")
        return
    tag = os.getpid() % 100000
    net = "10.231.%d" % (tag % 250)
    nsa, nsb = "dlp%da" % tag, "dlp%db" % tag
    a, b = net + ".1", net + ".2"
    agent = os.path.join(tmp, "netns-agent")
    with open(agent, "w") as f:
        f.write(AGENT % {"b": b, "nsa": nsa, "nsb": nsb})
    os.chmod(agent, 0o755)
    try:
        sh("ip", "netns", "add", nsa)
        sh("ip", "netns", "add", nsb)
        sh("ip", "link", "add", nsa, "type", "veth", "peer", "name", nsb)
        for ns, addr in ((nsa, a), (nsb, b)):
            sh("ip", "link", "set", ns, "netns", ns)
            sh("ip", "netns", "exec", ns, "ip", "addr", "add", addr + "/24", "dev", ns)
            sh("ip", "netns", "exec", ns, "ip", "link", "set", ns, "up")
            sh("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")
        one0, one1 = copy(base, "host0"), copy(base, "host1")
        h0, h1 = copy(base, "ns0"), copy(base, "ns1")
        epochs = ["--set", "train.epochs=1"]
        rc, err = run_job(job_argv(one0, one1, *epochs))
        if not gate("a 1-epoch 2-rank run on one host trains", rc == 0, err):
            return
        stage = [DLPIPE, "stage", "model_trainer", "--set", "train.distributed.ranks=2"] + epochs
        mpirun = ["mpirun", "--mca", "plm_rsh_agent", agent, "--mca", "btl", "tcp,self",
                  "--mca", "btl_tcp_if_include", net + ".0/24",
                  "--mca", "oob_tcp_if_include", net + ".0/24",
                  "-x", "OMPI_ALLOW_RUN_AS_ROOT", "-x", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM",
                  "-np", "1", "--host", a, "--wdir", h0] + stage + [
                  ":", "-np", "1", "--host", b, "--wdir", h1] + stage
        line = " ".join("'%s'" % w for w in mpirun)
        rc, err = run_job(["ip", "netns", "exec", nsa, "unshare", "--uts", "sh", "-c",
                           "hostname %s && exec %s" % (nsa, line)])
        if gate("2 hosts (network namespaces over a veth pair, TCP) train", rc == 0, err):
            check("Open MPI saw 2 ranks on 2 hosts", "2 ranks on 2 hosts" in err, err)
            diff = max_difference(weights(one0), weights(h0))
            check("2 hosts end with the weights of 2 ranks on one host, within %g"
                  % WEIGHT_TOLERANCE, diff <= WEIGHT_TOLERANCE, "max |difference| %g" % diff)
            check("the second host wrote nothing",
                  not os.path.exists(os.path.join(h1, "models/trained")), listing(h1))
    finally:
        for ns in (nsa, nsb):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def main():
    plugin = os.path.join(os.environ["DLP_TEST_BUILTIN_PLUGINS_DIR"], "collectives", "mpi",
                          "libdlp-collective-mpi.so")
    if not os.path.exists(plugin) or shutil.which("mpirun") is None:
        skip("data-parallel training", "Open MPI is not installed (libopenmpi-dev, openmpi-bin)")
        return finish()
    with tempfile.TemporaryDirectory() as tmp:
        r0 = equivalence(tmp)
        if r0:
            two_hosts(tmp, os.path.join(tmp, "small"))
        base = resumed(tmp)
        if base:
            faults(base)
            launch(base)
    return finish()


if __name__ == "__main__":
    sys.exit(main())

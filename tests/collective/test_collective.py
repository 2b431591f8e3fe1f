"""The collective plugins from every rank of a job: `single` alone, `mpi`
alone and under a real mpirun with 2 ranks, and a job whose rank dies or
aborts mid-job, which must end every rank, not hang.

Arguments: the collective-probe program. Prints TAP."""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tap import check, finish, gate, skip  # noqa: E402

PROBE = sys.argv[1]
# A job that hangs fails the check instead of the test's timeout.
JOB_SECONDS = 90
# mpirun refuses root unless told; the tests' machines run as root.
MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
           # Containers forbid the cross-memory attach that shared memory
           # uses for large messages; copying through the segment works.
           "OMPI_MCA_btl_vader_single_copy_mechanism": "none",
           # Its components stay loaded, so leak reports can name them.
           "OMPI_MCA_mca_base_component_disable_dlclose": "1"}


def run(argv):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=JOB_SECONDS,
                           env=dict(os.environ, **MPI_ENV))
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        return None, e.stdout or "", e.stderr or ""


def mpirun(n, *args):
    return run(["mpirun", "-np", str(n), "--oversubscribe", PROBE] + list(args))


def failed_lines(out):
    return [line for line in out.splitlines() if ": FAIL " in line]


def ops_checks(label, argv, ranks):
    rc, out, err = run(argv) if argv[0] != "mpirun" else mpirun(ranks, *argv[1:])
    oks = [line for line in out.splitlines() if ": ok " in line]
    check("%s: every operation works on every rank" % label,
          rc == 0 and not failed_lines(out) and len(oks) == 8 * ranks, out + err)
    for r in range(ranks):
        check("%s: rank %d knows it is rank %d of %d" % (label, r, r, ranks),
              ("rank %d: size %d:" % (r, ranks)) in out, out)
    return out


def mpi_checks():
    out = ops_checks("mpi, 2 ranks", ["mpirun", "mpi", "ops"], 2)
    check("mpi describes the job: the library, 2 ranks on 1 host",
          "Open MPI" in out and "2 ranks on 1 host" in out, out)
    ops_checks("mpi alone, without mpirun", [PROBE, "mpi", "ops"], 1)

    rc, out, err = mpirun(2, "mpi", "die")
    check("a rank that dies mid-job ends the job: no rank hangs",
          rc is not None and rc != 0, "rc %s\n%s%s" % (rc, out, err))

    rc, out, err = mpirun(2, "mpi", "abort")
    check("a rank that aborts ends every rank with a non-zero exit",
          rc is not None and rc != 0, "rc %s\n%s%s" % (rc, out, err))
    check("the abort names the rank and the cause",
          "rank 1 of 2: the shard is corrupt" in err, err)


def main():
    ops_checks("single", [PROBE, "single", "ops"], 1)
    plugin = os.path.join(os.environ["DLP_TEST_BUILTIN_PLUGINS_DIR"], "collectives", "mpi",
                          "libdlp-collective-mpi.so")
    if shutil.which("mpirun") is None and not os.path.exists(plugin):
        skip("the mpi collective", "Open MPI is not installed (libopenmpi-dev, openmpi-bin)")
    elif gate("the mpi collective is built where Open MPI is installed",
              os.path.exists(plugin) and shutil.which("mpirun"), plugin):
        mpi_checks()
    return finish()


if __name__ == "__main__":
    sys.exit(main())

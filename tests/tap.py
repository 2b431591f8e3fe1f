"""What the Python tests share: numbered TAP checks, skips and the plan at
the end, and dlpipe run as a user runs it (DLP_TEST_HOST, the built one).

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from tap import check, dlpipe, finish
"""
import os
import subprocess
import sys

_results = []


def check(name, ok, detail=""):
    """One test point; a failure prints the end of @detail as comments."""
    _results.append(bool(ok))
    print(("ok" if ok else "not ok") + " %d - %s" % (len(_results), name))
    if not ok and detail:
        for line in str(detail).splitlines()[-30:]:
            print("# " + line[:500])
    sys.stdout.flush()


def gate(name, ok, detail=""):
    """A check whose failure stops what depends on it: returns @ok."""
    check(name, ok, detail)
    return ok


def skip(name, why):
    _results.append(True)
    print("ok %d - %s # SKIP %s" % (len(_results), name, why))
    sys.stdout.flush()


def finish():
    """Prints the plan; the exit status of the test."""
    print("1..%d" % len(_results))
    return 0 if all(_results) else 1


def dlpipe(cwd, *args, env=None):
    e = dict(os.environ, **(env or {}))
    return subprocess.run([os.environ["DLP_TEST_HOST"]] + list(args), cwd=cwd,
                          capture_output=True, text=True, env=e)

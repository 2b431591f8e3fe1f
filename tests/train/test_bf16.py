"""Each shipped Fashion-MNIST model trained one epoch in bf16 reaches its
fp32 test accuracy less one point at most, and the package says bf16.
Where the CPU computes bf16 natively (AVX512-BF16, AMX) oneDNN's bf16
kernels run; elsewhere DLPIPE_BF16=emulate rounds to bf16 on OpenBLAS.
On all 70,000 images: after one epoch on fewer, the accuracy still moves
by a point from one rounding to the next, whatever the precision. Suite
`accuracy`, which the sanitizer build skips (the engine's bf16 tests run
there). Prints TAP."""
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tap import check, dlpipe, finish  # noqa: E402

ROOT = os.environ["DLP_TEST_SOURCE_ROOT"]
SMALL = ["--set", "data_ingestion.subsets=[train, test]",
         "--set", "data_split={method: random, test_size: 0.2, stratify: true, seed: 42}",
         "--set", "train.epochs=1", "--set", "tracking={tracker: none}"]


def train(tmp, model, precision):
    d = os.path.join(tmp, "%s-%s" % (model, precision))
    os.makedirs(d)
    shutil.copy(os.path.join(ROOT, "pipelines", "fashion-mnist-" + model, "params.yaml"), d)
    r = dlpipe(d, "run", *SMALL, "--set", "train.precision=" + precision,
               env={"DLPIPE_BF16": "emulate"})
    check("the %s trains one epoch in %s" % (model, precision), r.returncode == 0, r.stderr)
    if r.returncode != 0:
        return None, None
    with open(os.path.join(d, "reports", "metrics.json")) as f:
        accuracy = json.load(f)["accuracy"]
    with open(os.path.join(d, "models", "final", "dlpipe.json")) as f:
        recorded = json.load(f)["precision"]
    return accuracy, recorded


def main():
    tmp = tempfile.mkdtemp(prefix="dlpipe-bf16-")
    try:
        for model in ("mlp", "cnn", "lstm"):
            fp32, _ = train(tmp, model, "fp32")
            bf16, recorded = train(tmp, model, "bf16")
            if fp32 is None or bf16 is None:
                continue
            check("the %s package records bf16" % model, recorded == "bf16", recorded)
            check("the %s in bf16: test accuracy %.4f, fp32's %.4f less 0.01 at most"
                  % (model, bf16, fp32), bf16 >= fp32 - 0.01)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return finish()


if __name__ == "__main__":
    sys.exit(main())

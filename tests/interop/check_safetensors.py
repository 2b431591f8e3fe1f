"""Reads a dataset file written by dlpipe with the safetensors package and
numpy, as a PyTorch or numpy user would."""
import json
import subprocess
import sys
import tempfile

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file


def main(writer):
    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/sample.safetensors"
        subprocess.run([writer, path], check=True)
        arrays = load_file(path)
        assert set(arrays) == {"image", "id", "flag", "label"}, arrays.keys()
        np.testing.assert_array_equal(arrays["image"], np.arange(12, dtype=np.float32).reshape(3, 2, 2) * 0.5)
        assert arrays["image"].dtype == np.float32
        np.testing.assert_array_equal(arrays["id"], np.array([10, -20, 2**63 - 1], dtype=np.int64))
        np.testing.assert_array_equal(arrays["label"], np.array([1, 0, -1], dtype=np.int32))
        assert arrays["flag"].dtype == np.bool_ and arrays["flag"].tolist() == [False, True, False]

        with safe_open(path, framework="numpy") as f:
            meta = f.metadata()
        assert meta["dlpipe.format"] == "dataset-1"
        schema = json.loads(meta["dlpipe.schema"])
        assert schema["n_rows"] == 3
        label = [c for c in schema["columns"] if c["name"] == "label"][0]
        assert label == {"name": "label", "role": "label", "categories": ["cat", "dog"]}, label
    print("ok - a dlpipe dataset file loads in safetensors and numpy")


if __name__ == "__main__":
    main(sys.argv[1])

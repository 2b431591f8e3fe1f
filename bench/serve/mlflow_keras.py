"""The Keras peer of bench/serve: a dlpipe package's model and weights as
an MLflow model of the Keras flavor, which `mlflow models serve` serves.

    PEERS_VENV/bin/python3 bench/serve/mlflow_keras.py PACKAGE OUT BODY

Keras builds the network from the package's model.json (its own format)
and takes the package's weights; a Rescaling and a Reshape layer in front
do the package's preprocessing, so that the server takes the same raw
28x28 pixels as `dlpipe serve`. Before saving, the Keras model must give
the package's probabilities for the request in BODY. Prints the class
index it predicts for BODY."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tests", "interop"))
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402
import mlflow.keras  # noqa: E402
import numpy as np  # noqa: E402
from safetensors.numpy import load_file  # noqa: E402
from keras_weights import keras_weights  # noqa: E402


def preprocessing(manifest):
    """The package's steps as Keras layers: scale, then reshape."""
    layers = []
    for step in manifest["preprocessing"]:
        if step["training_only"]:
            continue
        kind, settings = step["type"], step["settings"]
        if kind == "normalize" and settings.get("method") == "scale":
            (column,) = step["state"]["columns"].values()
            # (x - offset) * scale
            layers.append(keras.layers.Rescaling(column["scale"],
                                                 -column["offset"] * column["scale"]))
        elif kind == "reshape":
            layers.append(keras.layers.Reshape(tuple(settings["shape"])))
        else:
            raise SystemExit("no Keras layer for the package's step %s" % json.dumps(step))
    return layers


def main():
    package, out, body = sys.argv[1:4]
    manifest = json.load(open(os.path.join(package, "dlpipe.json")))
    net = keras.models.model_from_json(open(os.path.join(package, "model.json")).read())
    if not keras_weights(net, load_file(os.path.join(package, "weights.safetensors"))):
        raise SystemExit("the package's weights do not fit its model.json in Keras")
    image = np.array(json.load(open(body))["inputs"], dtype=np.float32)
    model = keras.Sequential([keras.Input(image.shape[1:])] + preprocessing(manifest) + [net])
    p = model.predict(image, verbose=0)
    mlflow.keras.save_model(model, out)
    print(int(p.argmax(axis=1)[0]))


if __name__ == "__main__":
    main()

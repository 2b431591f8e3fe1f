"""Keras 3 and dlpipe read each other's architecture files, on Keras' numpy
backend (no TensorFlow):

(a) what Keras' to_json() writes for an MLP, a CNN and a stacked LSTM
    builds as dlpipe's json model type, with Keras' parameters;
(b) keras.models.model_from_json loads the model.json model_builder
    writes for mlp, cnn and lstm; given the trained weights from dlpipe's
    safetensors file (PyTorch's layouts, transposed as docs/models.md
    says), Keras predicts the classes `dlpipe predict` gives on the test
    split.

Each model trains one epoch on Fashion-MNIST's test images (Debian's
dataset-fashion-mnist), so the whole test takes seconds. Prints TAP."""
import csv
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import check, dlpipe, finish  # noqa: E402

os.environ.setdefault("KERAS_BACKEND", "numpy")
try:
    import keras
    import numpy as np
    from safetensors.numpy import load_file
    from keras_weights import keras_weights
except ImportError as e:
    print("1..0 # SKIP Keras is not installed (scripts/setup-python.sh): %s" % e)
    sys.exit(0)

FASHION = "/usr/share/datasets/fashion-mnist"

PARAMS = """
data_ingestion: {source: idx, path: %(data)s, subsets: [test]}
data_transformation:
  steps:
    - normalize: {method: scale, factor: 0.00392156862745098}
    - reshape: {column: image, shape: %(shape)s}
data_split: {test_size: 0.2, seed: 1}
model: {type: %(type)s, input_shape: %(shape)s, num_classes: 10, seed: 42, %(type)s: %(settings)s}
train: {epochs: 1, batch_size: 64, threads: 1, optimizer: {type: adam, learning_rate: 0.002}}
test: {}
tracking: {tracker: none}
"""

# model type: (input shape, its settings); the LSTM stacks two layers.
DLPIPE_MODELS = {
    "mlp": ([784], "{hidden_units: [32], batch_norm: true, dropout: 0.2}"),
    "cnn": ([28, 28, 1], "{filters: [4, 8], dense_units: [16]}"),
    "lstm": ([28, 28], "{units: 16, layers: 2}"),
}


def keras_models():
    L = keras.layers
    return {
        "mlp": ([784], keras.Sequential([
            keras.Input((784,)), L.Dense(32, activation="relu"), L.BatchNormalization(),
            L.Dropout(0.2), L.Dense(10, activation="softmax")])),
        "cnn": ([28, 28, 1], keras.Sequential([
            keras.Input((28, 28, 1)), L.Conv2D(8, 3, activation="relu", padding="same"),
            L.MaxPooling2D(), L.Conv2D(8, 3, activation="relu"), L.AveragePooling2D(2),
            L.Flatten(), L.Dense(10, activation="softmax")])),
        "lstm": ([28, 28], keras.Sequential([
            keras.Input((28, 28)), L.LSTM(16, return_sequences=True), L.LSTM(8),
            L.Dense(10, activation="softmax")])),
    }


def keras_to_dlpipe(tmp):
    """(a) Keras' own files as dlpipe's json model type."""
    for name, (shape, model) in keras_models().items():
        d = os.path.join(tmp, "keras-" + name)
        os.makedirs(d)
        with open(os.path.join(d, "keras.json"), "w") as f:
            f.write(model.to_json())
        with open(os.path.join(d, "params.yaml"), "w") as f:
            f.write("model: {type: json, input_shape: %s, num_classes: 10, "
                    "json: {path: keras.json}}\ntracking: {tracker: none}\n" % shape)
        r = dlpipe(d, "stage", "model_builder")
        check("dlpipe builds Keras 3's to_json() of the %s" % name, r.returncode == 0, r.stderr)
        count = re.search(r"Trainable parameters: (\d+)", r.stdout + r.stderr)
        trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
        # An LSTM has PyTorch's two biases in dlpipe, one in Keras.
        second_bias = sum(4 * layer.units for layer in model.layers
                          if isinstance(layer, keras.layers.LSTM) and layer.use_bias)
        check("... with Keras' %d trainable parameters (and PyTorch's second LSTM bias)"
              % trainable, count is not None and int(count.group(1)) == trainable + second_bias,
              r.stdout + r.stderr)


def dlpipe_to_keras(tmp, name):
    """(b) dlpipe's model.json in Keras, with dlpipe's trained weights."""
    shape, settings = DLPIPE_MODELS[name]
    d = os.path.join(tmp, "dlpipe-" + name)
    os.makedirs(d)
    with open(os.path.join(d, "params.yaml"), "w") as f:
        f.write(PARAMS % {"data": FASHION, "shape": shape, "type": name, "settings": settings})
    r = dlpipe(d, "run")
    check("dlpipe trains the %s" % name, r.returncode == 0, r.stderr)
    if r.returncode != 0:
        return
    try:
        model = keras.models.model_from_json(open(os.path.join(d, "models/built/model.json")).read())
    except Exception as e:  # Keras' own message says what it refused
        check("Keras loads dlpipe's model.json of the %s" % name, False, e)
        return
    check("Keras loads dlpipe's model.json of the %s" % name, True)
    tensors = load_file(os.path.join(d, "models/final/weights.safetensors"))
    check("... and takes each of its weights", keras_weights(model, tensors), sorted(tensors))

    out = os.path.join(d, "predictions.csv")
    r = dlpipe(d, "predict", "-i", "data/split/test.safetensors", "-o", out)
    check("dlpipe predict scores the %s's test split" % name, r.returncode == 0, r.stderr)
    with open(out) as f:
        rows = list(csv.reader(f))
    classes = [c[2:] for c in rows[0][2:]]
    theirs = np.array([classes.index(row[1]) for row in rows[1:]])
    their_p = np.array([[float(p) for p in row[2:]] for row in rows[1:]])
    x = load_file(os.path.join(d, "data/split/test.safetensors"))["image"]
    ours_p = model.predict(x.reshape((-1,) + tuple(shape)), batch_size=500, verbose=0)
    same = int((ours_p.argmax(axis=1) == theirs).sum())
    check("Keras predicts dlpipe's class for all %d test images of the %s" % (len(theirs), name),
          same == len(theirs), "%d differ" % (len(theirs) - same))
    gap = float(np.abs(ours_p - their_p).max())
    check("... with probabilities within 1e-4 of dlpipe's", gap < 1e-4, gap)


def main():
    if not os.path.isdir(FASHION):
        print("1..0 # SKIP %s is missing (Debian's dataset-fashion-mnist)" % FASHION)
        return 0
    tmp = tempfile.mkdtemp(prefix="dlpipe-keras-")
    try:
        keras_to_dlpipe(tmp)
        for name in DLPIPE_MODELS:
            dlpipe_to_keras(tmp, name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return finish()


if __name__ == "__main__":
    sys.exit(main())

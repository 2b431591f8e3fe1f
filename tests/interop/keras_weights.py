"""dlpipe's weights in a Keras model built from dlpipe's model.json: the
layouts docs/models.md describes. Used by test_keras.py and by
bench/serve (the Keras peer serves the same weights)."""
import keras


def keras_weights(model, tensors):
    """dlpipe's state dict (PyTorch's names and layouts) in Keras' layouts:
    one module index a Keras layer with weights, in order."""
    modules = sorted({int(k.split(".")[0]) for k in tensors})
    weighted = [i for i, layer in enumerate(model.layers) if layer.weights]
    for index, m in zip(weighted, modules):
        layer = model.layers[index]
        t = {k.split(".", 1)[1]: v for k, v in tensors.items() if k.startswith("%d." % m)}
        kind = type(layer).__name__
        if kind == "Dense":
            w = t["weight"]
            before = model.layers[index - 1] if index > 0 else None
            if isinstance(before, keras.layers.Flatten) and len(before.input.shape) == 4:
                # dlpipe flattens an image channel by channel (PyTorch's
                # order), Keras pixel by pixel.
                _, h, wd, c = before.input.shape
                w = w.reshape(-1, c, h, wd).transpose(0, 2, 3, 1).reshape(w.shape[0], -1)
            layer.set_weights([w.T, t["bias"]])
        elif kind == "Conv2D":
            layer.set_weights([t["weight"].transpose(2, 3, 1, 0), t["bias"]])
        elif kind == "LSTM":
            # Gates i, f, g, o in both; Keras has one bias, PyTorch two.
            layer.set_weights([t["weight_ih_l0"].T, t["weight_hh_l0"].T,
                               t["bias_ih_l0"] + t["bias_hh_l0"]])
        elif kind == "BatchNormalization":
            layer.set_weights([t["weight"], t["bias"], t["running_mean"], t["running_var"]])
        else:
            raise ValueError("no conversion for " + kind)
    return len(weighted) == len(modules)

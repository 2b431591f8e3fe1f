"""The peer of `dlpipe serve` in the serving benchmark: the same trained
Fashion-MNIST CNN in PyTorch behind a minimal Python HTTP server that
answers MLflow's /invocations body ({"inputs": [...]} or {"instances":
[...]} of raw 28x28 pixel rows) as dlpipe does. The preprocessing is the
default pipeline's (pixels / 255, channels last).

Usage: /usr/bin/python3 torch_server.py MODEL_DIR PORT [TORCH_THREADS]

It loads MODEL_DIR/weights.safetensors (PyTorch's state-dict names, see
docs/models.md) into the equivalent nn.Sequential, so both servers score
with the same weights and give the same answers."""
import json, struct, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import numpy as np, torch, torch.nn as nn

DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32, "U8": np.uint8}


def load_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    header.pop("__metadata__", None)
    data = raw[8 + n:]
    out = {}
    for name, t in header.items():
        a, b = t["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data[a:b], DTYPES[t["dtype"]]).reshape(t["shape"]).copy())
    return out


def pair(v):
    return tuple(v) if isinstance(v, (list, tuple)) else (v, v)


ACTIVATIONS = {"relu": nn.ReLU, "softmax": lambda: nn.Softmax(dim=-1), "tanh": nn.Tanh,
               "sigmoid": nn.Sigmoid, "elu": nn.ELU, "leaky_relu": nn.LeakyReLU}


def build(model_json):
    """The nn.Sequential equivalent to the package's model.json (the
    convolutional and dense layers a cnn model has; docs/models.md): one
    module per layer, one more for a layer's activation."""
    layers = json.load(open(model_json))["config"]["layers"]
    shape = layers[0]["config"]["batch_shape"][1:]          # [H, W, C], channels last
    c, h, w = shape[2], shape[0], shape[1]
    features, modules = None, []
    for layer in layers[1:]:
        kind, cfg = layer["class_name"], layer["config"]
        if kind == "Conv2D":
            k, st = pair(cfg["kernel_size"]), pair(cfg.get("strides", 1))
            pad = (k[0] // 2, k[1] // 2) if cfg.get("padding") == "same" else (0, 0)
            modules.append(nn.Conv2d(c, cfg["filters"], k, st, pad, bias=cfg.get("use_bias", True)))
            c = cfg["filters"]
            h, w = (h + 2 * pad[0] - k[0]) // st[0] + 1, (w + 2 * pad[1] - k[1]) // st[1] + 1
        elif kind == "MaxPooling2D":
            k = pair(cfg["pool_size"])
            st = pair(cfg.get("strides") or k)
            modules.append(nn.MaxPool2d(k, st))
            h, w = (h - k[0]) // st[0] + 1, (w - k[1]) // st[1] + 1
        elif kind == "BatchNormalization":
            modules.append(nn.BatchNorm2d(c, eps=cfg.get("epsilon", 1e-3)) if features is None
                           else nn.BatchNorm1d(features, eps=cfg.get("epsilon", 1e-3)))
        elif kind == "Flatten":
            modules.append(nn.Flatten())
            features = c * h * w
        elif kind == "Dense":
            modules.append(nn.Linear(features, cfg["units"], bias=cfg.get("use_bias", True)))
            features = cfg["units"]
        elif kind == "Dropout":
            modules.append(nn.Dropout(cfg.get("rate", 0.5)))
        elif kind != "Activation":
            sys.exit(f"torch_server.py: no PyTorch module for layer {kind}")
        activation = cfg.get("activation")
        if activation and activation != "linear":
            modules.append(ACTIVATIONS[activation]())
    return nn.Sequential(*modules).eval(), shape


def main():
    model_dir, port = sys.argv[1], int(sys.argv[2])
    torch.set_num_threads(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    model, shape = build(model_dir + "/model.json")
    model.load_state_dict(load_safetensors(model_dir + "/weights.safetensors"))
    classes = json.load(open(model_dir + "/dlpipe.json"))["classes"]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"   # keep-alive, as wrk expects
        disable_nagle_algorithm = True  # else headers and body wait on delayed ACKs

        def do_GET(self):
            self.answer(200, b"\n")

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            rows = body.get("inputs", body.get("instances"))
            # Raw pixels, as the package's preprocessing takes them: / 255,
            # then channels last as dlpipe reads them, to PyTorch's NCHW.
            x = np.asarray(rows, dtype=np.float32).reshape([-1] + shape) / 255
            x = torch.from_numpy(x).permute(0, 3, 1, 2)
            with torch.no_grad():
                labels = model(x).argmax(1).tolist()
            self.answer(200, json.dumps({"predictions": [classes[i] for i in labels]}).encode())

        def answer(self, status, data):
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


main()

"""The peer of `dlpipe serve` in the serving benchmark: the same trained
Fashion-MNIST CNN in PyTorch behind a minimal Python HTTP server that
answers MLflow's /invocations body ({"inputs": [...]} or {"instances":
[...]} of raw 28x28 pixel rows) as dlpipe does.

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


def cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(),
        nn.Linear(128, 10), nn.Softmax(dim=-1)).eval()


def main():
    model_dir, port = sys.argv[1], int(sys.argv[2])
    torch.set_num_threads(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    model = cnn()
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
            x = torch.from_numpy(np.asarray(rows, dtype=np.float32).reshape(-1, 1, 28, 28) / 255)
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

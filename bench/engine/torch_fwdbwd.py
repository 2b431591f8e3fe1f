"""PyTorch's side of bench/engine: forward, cross-entropy and backward of
the same three models at batch 64, without the optimizer, as bench-engine
times dlpipe. Usage: torch_fwdbwd.py MODEL THREADS [SECONDS]
Prints one JSON line with samples per second."""
import json, sys, time
import torch, torch.nn as nn


class LSTMNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(28, 128, batch_first=True)
        self.fc = nn.Linear(128, 10)

    def forward(self, x):
        out, _ = self.lstm(x.view(-1, 28, 28))
        return self.fc(out[:, -1])


def make(kind):
    if kind == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128),
                             nn.ReLU(), nn.Linear(128, 10))
    if kind == "cnn":
        return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3),
                             nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64 * 5 * 5, 128),
                             nn.ReLU(), nn.Linear(128, 10))
    return LSTMNet()


def main():
    kind, threads = sys.argv[1], int(sys.argv[2])
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 3.0
    torch.set_num_threads(threads)
    torch.manual_seed(42)
    model = make(kind)
    loss_fn = nn.CrossEntropyLoss()
    batches = [(torch.rand(64, 1, 28, 28), torch.randint(0, 10, (64,))) for _ in range(16)]
    for x, y in batches[:5]:
        model.zero_grad()
        loss_fn(model(x), y).backward()
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        x, y = batches[steps % len(batches)]
        model.zero_grad()
        loss_fn(model(x), y).backward()
        steps += 1
    elapsed = time.perf_counter() - start
    print(json.dumps({"engine": "pytorch " + torch.__version__, "model": kind, "threads": threads,
                      "batch": 64, "steps": steps, "ms_per_step": round(1000 * elapsed / steps, 3),
                      "samples_per_s": round(steps * 64 / elapsed)}))


main()

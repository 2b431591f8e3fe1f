"""dlpipe against PyTorch: the weights dlpipe writes load unchanged into the
equivalent nn.Sequential (docs/models.md), which must give the same
predictions (within 1e-4), loss and parameter gradients.

Usage: check_torch.py TORCH_SAMPLE PLUGINS_DIR"""
import os, subprocess, sys, tempfile
import torch, torch.nn as nn
from safetensors.torch import load_file

TOL = 1e-4


class LSTMLast(nn.LSTM):
    """nn.LSTM in an nn.Sequential: the last step's hidden state."""
    def forward(self, x):
        return super().forward(x)[0][:, -1]


class LSTMSeq(nn.LSTM):
    """nn.LSTM in an nn.Sequential: every step's hidden state."""
    def forward(self, x):
        return super().forward(x)[0]


class Tokens(nn.Embedding):
    """nn.Embedding fed token ids as floats, as dlpipe's inputs are."""
    def forward(self, x):
        return super().forward(x.long())


def bn(channels, dims):
    """Keras' BatchNormalization defaults in PyTorch's terms."""
    cls = nn.BatchNorm1d if dims == 1 else nn.BatchNorm2d
    return cls(channels, eps=1e-3, momentum=0.01)


MODELS = {
    # name: (nn.Sequential, inputs NHWC -> what PyTorch takes)
    "mlp": (lambda: nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 16),
                                  nn.Tanh(), bn(16, 1), nn.Linear(16, 10), nn.Softmax(-1)),
            lambda x: x.permute(0, 3, 1, 2)),
    "cnn": (lambda: nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), bn(4, 2), nn.MaxPool2d(2),
                                  nn.Conv2d(4, 6, 3, padding=1), nn.ELU(), nn.AvgPool2d(2),
                                  nn.Conv2d(6, 5, (1, 2), stride=(1, 2)), nn.Sigmoid(),
                                  nn.Flatten(), nn.Linear(5 * 2 * 1, 10), nn.Softmax(-1)),
            lambda x: x.permute(0, 3, 1, 2)),
    "lstm": (lambda: nn.Sequential(LSTMLast(5, 6, num_layers=2, batch_first=True),
                                   nn.LeakyReLU(0.1), nn.Linear(6, 10), nn.Softmax(-1)),
             lambda x: x),
    "lstm_rows": (lambda: nn.Sequential(LSTMSeq(8, 5, batch_first=True), nn.Flatten(),
                                        nn.Linear(30, 4), nn.Softmax(-1)),
                  lambda x: x.reshape(x.shape[0], 6, 8)),
    "tokens": (lambda: nn.Sequential(Tokens(20, 4), LSTMLast(4, 5, batch_first=True),
                                     nn.Linear(5, 3), nn.Softmax(-1)),
               lambda x: x),
}


def check(name, folder):
    make, to_torch = MODELS[name]
    model = make()
    weights = load_file(os.path.join(folder, name + ".weights.safetensors"))
    model.load_state_dict(weights, strict=True)
    data = load_file(os.path.join(folder, name + ".data.safetensors"))
    x = to_torch(data["input"])

    model.eval()
    with torch.no_grad():
        out = model(x)
    diff = (out - data["output"]).abs().max().item()
    assert diff < TOL, f"{name}: predictions differ from PyTorch's by {diff}"

    # One training step: logits before the final softmax, PyTorch's loss.
    model.train()
    classes = data["output"].shape[1]
    weight = torch.tensor([0.5 + 0.1 * c for c in range(classes)])
    loss_fn = nn.CrossEntropyLoss(weight=weight, label_smoothing=0.1)
    loss = loss_fn(model[:-1](x), data["labels"].long())
    loss.backward()
    assert abs(loss.item() - data["loss"].item()) < TOL, \
        f"{name}: loss {data['loss'].item()}, PyTorch's {loss.item()}"
    grads = load_file(os.path.join(folder, name + ".grads.safetensors"))
    params = dict(model.named_parameters())
    assert set(params) <= set(grads), f"{name}: gradients missing for {set(params) - set(grads)}"
    for key, p in params.items():
        gdiff = (p.grad - grads[key]).abs().max().item()
        scale = max(1.0, p.grad.abs().max().item())
        assert gdiff < TOL * scale, f"{name}: gradient of {key} differs by {gdiff}"
    # The training forward moved the batch normalizations' statistics.
    after = load_file(os.path.join(folder, name + ".after.safetensors"))
    for key, buf in model.state_dict().items():
        if "running" in key or "num_batches" in key:
            bdiff = (buf.double() - after[key].double()).abs().max().item()
            assert bdiff < TOL, f"{name}: {key} after a training step differs by {bdiff}"
    print(f"ok {name}: predictions within {diff:.2g}, loss, {len(params)} gradients and "
          f"running statistics match")


def main():
    sample, plugins = sys.argv[1], sys.argv[2]
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run([sample, plugins, folder], check=True)
        for name in MODELS:
            check(name, folder)


main()

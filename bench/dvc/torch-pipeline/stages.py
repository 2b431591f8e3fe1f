"""The six stages of the fashion-mnist-mlp pipeline in PyTorch, one
process per stage as DVC runs them: python3 stages.py STAGE."""
import gzip
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import yaml

P = yaml.safe_load(open("params.yaml"))


def idx(path, offset):
    with gzip.open(path) as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def data_ingestion():
    d = P["data_ingestion"]["path"]
    parts = {}
    for subset, prefix in (("train", "train"), ("test", "t10k")):
        parts[subset + "_x"] = idx("%s/%s-images-idx3-ubyte.gz" % (d, prefix), 16).reshape(-1, 28, 28)
        parts[subset + "_y"] = idx("%s/%s-labels-idx1-ubyte.gz" % (d, prefix), 8)
    os.makedirs("data/raw", exist_ok=True)
    np.savez("data/raw/dataset.npz", **parts)


def data_transformation():
    raw = np.load("data/raw/dataset.npz")
    f = P["data_transformation"]["factor"]
    os.makedirs("data/processed", exist_ok=True)
    np.savez("data/processed/dataset.npz",
             train_x=(raw["train_x"].astype(np.float32) * f).reshape(-1, 784), train_y=raw["train_y"],
             test_x=(raw["test_x"].astype(np.float32) * f).reshape(-1, 784), test_y=raw["test_y"])


def data_split():
    d = np.load("data/processed/dataset.npz")
    os.makedirs("data/split", exist_ok=True)
    np.savez("data/split/train.npz", x=d["train_x"], y=d["train_y"])
    np.savez("data/split/test.npz", x=d["test_x"], y=d["test_y"])


def make_model():
    m = P["model"]
    layers, width = [], 784
    for units in m["hidden_units"]:
        layers += [nn.Linear(width, units), nn.ReLU()]
        width = units
    return nn.Sequential(*layers, nn.Linear(width, m["num_classes"]))


def model_builder():
    torch.manual_seed(P["model"]["seed"])
    os.makedirs("models/built", exist_ok=True)
    torch.save(make_model().state_dict(), "models/built/weights.pt")


def model_trainer():
    t = P["train"]
    torch.set_num_threads(t["threads"])
    torch.manual_seed(t["seed"])
    model = make_model()
    model.load_state_dict(torch.load("models/built/weights.pt"))
    d = np.load("data/split/train.npz")
    x, y = torch.from_numpy(d["x"]), torch.from_numpy(d["y"].astype(np.int64))
    opt = torch.optim.Adam(model.parameters(), t["learning_rate"])
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(t["epochs"]):
        perm = torch.randperm(len(x))
        for i in range(0, len(x), t["batch_size"]):
            b = perm[i:i + t["batch_size"]]
            opt.zero_grad()
            loss = loss_fn(model(x[b]), y[b])
            loss.backward()
            opt.step()
    os.makedirs("models/trained", exist_ok=True)
    torch.save(model.state_dict(), "models/trained/weights.pt")


def model_test():
    torch.set_num_threads(P["train"]["threads"])
    model = make_model()
    model.load_state_dict(torch.load("models/trained/weights.pt"))
    d = np.load("data/split/test.npz")
    with torch.no_grad():
        pred = model(torch.from_numpy(d["x"])).argmax(1).numpy()
    os.makedirs("reports", exist_ok=True)
    json.dump({"accuracy": float((pred == d["y"]).mean())}, open("reports/metrics.json", "w"))


globals()[sys.argv[1]]()

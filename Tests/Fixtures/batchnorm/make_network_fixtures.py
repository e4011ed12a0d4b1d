#!/usr/bin/env python3
"""Writes network_fixtures.json next to this script: PyTorch's training step and inference of the batch-normalisation
test networks (Tests/BatchNorm/BatchNormNetworks.cs), from fixed parameters, running statistics and batches.

For each network: the parameters in state_dict order (weight then bias per layer, BatchNorm's weight γ and bias β), the
running statistics before the step (running_mean then running_var of each BatchNorm, set away from 0 and 1 so that
inference is not trivial), a batch, and
  - train mode: the batch's mean loss, the gradient of every parameter, the running statistics after the forward pass;
  - eval mode: the outputs (softmax probabilities for a classifier, the last layer's outputs otherwise).
Loss: mean over the batch of softmax cross-entropy against labels, or of 1/2 * sum((y - t)^2). Values are float32,
written as the exact doubles they equal; the computation runs in float32 as the generated code does.

Run with the system Python that has torch: /usr/bin/python3 Tests/Fixtures/batchnorm/make_network_fixtures.py
"""
import json
import os

import torch
from torch import nn

torch.manual_seed(20261207)


def act(name):
    return {"relu": nn.ReLU(), "tanh": nn.Tanh(), "sigmoid": nn.Sigmoid(), None: nn.Identity()}[name]


NETWORKS = {
    # name: (input shape, layers, loss, batch)
    "BnDense": ((6,), [nn.Linear(6, 5), nn.BatchNorm1d(5), act("relu"), nn.Linear(5, 3)], "softmax", 7),
    "BnConvPool": ((2, 6, 7), [nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3, momentum=0.25), act("relu"), nn.MaxPool2d(2), nn.Flatten(),
                               nn.Linear(3 * 2 * 2, 4), nn.BatchNorm1d(4, eps=1e-3), act("tanh"), nn.Linear(4, 3)], "softmax", 11),
    "BnBeforeConv": ((1, 9, 8), [nn.Conv2d(1, 4, 3), act("tanh"), nn.AvgPool2d(2), nn.BatchNorm2d(4), act("sigmoid"),
                                 nn.Conv2d(4, 2, 2), nn.Flatten(), nn.Linear(2 * 2 * 2, 3)], "hse", 19),
    "BnLast": ((3,), [nn.Linear(3, 4), act("tanh"), nn.BatchNorm1d(4)], "hse", 5),
}


def exact(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def case(name, shape, layers, loss_kind, batch):
    model = nn.Sequential(*layers)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
                m.running_mean.uniform_(-0.3, 0.3)
                m.running_var.uniform_(0.5, 2.0)
    params = [p for p in model.parameters()]
    state = [b for n, b in model.named_buffers() if n.endswith("running_mean") or n.endswith("running_var")]
    x = torch.randn(batch, *shape)
    outputs = 3
    if loss_kind == "softmax":
        labels = torch.randint(0, outputs, (batch,))
        targets = None
    else:
        with torch.no_grad():
            outputs = model.eval()(x).reshape(batch, -1).shape[1]
        targets = torch.randn(batch, outputs)
        labels = None
    before = {"parameters": [v for p in params for v in exact(p)], "state": [v for b in state for v in exact(b)]}

    model.eval()
    with torch.no_grad():
        y = model(x).reshape(batch, -1)
        eval_out = torch.softmax(y, dim=1) if loss_kind == "softmax" else y

    model.train()
    model.zero_grad()
    z = model(x).reshape(batch, -1)
    if loss_kind == "softmax":
        loss = nn.functional.cross_entropy(z, labels)
    else:
        loss = 0.5 * ((z - targets) ** 2).sum(dim=1).mean()
    loss.backward()
    return {
        "name": name,
        "batch": batch,
        "inputs": exact(x),
        "labels": [int(v) for v in labels.tolist()] if labels is not None else [],
        "targets": exact(targets) if targets is not None else [],
        **before,
        "loss": float(loss.item()),
        "gradients": [v for p in params for v in exact(p.grad)],
        "stateAfter": [v for b in state for v in exact(b)],
        "evalOutputs": exact(eval_out),
    }


cases = [case(name, *spec) for name, spec in NETWORKS.items()]
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "network_fixtures.json")
with open(path, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f)
print(f"wrote {path}: {len(cases)} networks")

#!/usr/bin/env python3
"""Writes pool_fixture.json next to this script: inputs, PyTorch outputs and input gradients of padded pooling.

Cases: MaxPool2d(3, 2, 1), AvgPool2d(3, 2, 1, count_include_pad=True) and AvgPool2d(3, 2, 1, count_include_pad=False),
each on a [1, 2, 7, 7] and a [1, 2, 8, 8] input (odd and even sizes). The input gradient is that of sum(y * grad_output)
for a random grad_output, i.e. y.backward(grad_output). Values are float32, written as the exact doubles they equal.

Run with the system Python that has torch (1.13 or later): /usr/bin/python3 Tests/Fixtures/pooling/make_pool_fixture.py
"""
import json
import os

import torch

CHANNELS = 2
SIZES = (7, 8)
LAYERS = (
    ("max", lambda: torch.nn.MaxPool2d(3, stride=2, padding=1), True),
    ("avg", lambda: torch.nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=True), True),
    ("avg", lambda: torch.nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), False),
)


def floats(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def main():
    generator = torch.Generator().manual_seed(20240601)
    cases = []
    for size in SIZES:
        for kind, make, count_include_pad in LAYERS:
            layer = make()
            # Shifted down so that some border windows hold only negative values: a zero-padded max would be wrong there.
            x = (torch.randn(1, CHANNELS, size, size, generator=generator) - 0.5).requires_grad_(True)
            y = layer(x)
            grad_output = torch.randn(y.shape, generator=generator)
            y.backward(grad_output)
            cases.append({
                "kind": kind,
                "size": 3,
                "stride": 2,
                "padding": 1,
                "countIncludePad": count_include_pad,
                "channels": CHANNELS,
                "height": size,
                "width": size,
                "outputHeight": y.shape[2],
                "outputWidth": y.shape[3],
                "module": repr(layer),
                "input": floats(x),
                "output": floats(y),
                "gradOutput": floats(grad_output),
                "gradInput": floats(x.grad),
            })
    fixture = {"torch": torch.__version__, "cases": cases}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pool_fixture.json")
    temporary = path + ".tmp"
    with open(temporary, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    os.replace(temporary, path)
    print(f"wrote {len(cases)} cases to {path} (torch {torch.__version__})")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Builds the ONNX fixtures the ONNX import tests read, from small PyTorch models.

Each model is trained a few SGD steps on random data (so no parameter keeps its initial value and BatchNorm's running
statistics move), exported with torch.onnx.export in eval mode, and run on a batch of inputs. For each model NAME this
writes, next to this script:

  NAME.onnx      the exported model (opset 13, batch dimension dynamic)
  NAME.io.bin    the batch: int32 count, int32 input size, int32 output size (little-endian), then count×input size
                 float32 inputs, then count×output size float32 outputs of the PyTorch model in eval mode

Run with Debian's PyTorch and ONNX (python3-torch, python3-onnx):  /usr/bin/python3 Tests/Fixtures/onnx/make_fixtures.py
The outputs are committed; the tests do not need PyTorch.
"""
import os
import struct

import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
BATCH = 5


class Mlp(nn.Module):
    """20 → 16 tanh → 12 sigmoid → 4: Gemm nodes with transB=1."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(20, 16)
        self.fc2 = nn.Linear(16, 12)
        self.fc3 = nn.Linear(12, 4)

    def forward(self, x):
        return self.fc3(torch.sigmoid(self.fc2(torch.tanh(self.fc1(x)))))


class MatMulMlp(nn.Module):
    """x·W + b written out by hand: MatMul + Add nodes, weights stored [in, out]; a Dropout that export drops."""

    def __init__(self):
        super().__init__()
        self.w1 = nn.Parameter(torch.randn(10, 8) * 0.3)
        self.b1 = nn.Parameter(torch.randn(8) * 0.1)
        self.w2 = nn.Parameter(torch.randn(8, 3) * 0.3)
        self.b2 = nn.Parameter(torch.randn(3) * 0.1)
        self.drop = nn.Dropout(0.5)

    def forward(self, x):
        h = torch.relu(torch.matmul(x, self.w1) + self.b1)
        return torch.matmul(self.drop(h), self.w2) + self.b2


class LeNet5(nn.Module):
    """Samples/LeNet5's network; ends in LogSoftmax; flattens with view (a Reshape whose shape is computed)."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 6, 5, padding=2)
        self.c3 = nn.Conv2d(6, 16, 5)
        self.f5 = nn.Linear(16 * 5 * 5, 120)
        self.f6 = nn.Linear(120, 84)
        self.out = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c3(x)), 2)
        x = x.view(x.size(0), -1)
        x = F.relu(self.f5(x))
        x = F.relu(self.f6(x))
        return F.log_softmax(self.out(x), dim=1)


class StridedCnn(nn.Module):
    """3×32×32: stride-2 padded convolutions, overlapping average pooling (with and without counting the padding),
    max pooling, then Flatten and a softmax classifier."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 3, stride=2, padding=1)          # 8×16×16
        self.p1 = nn.AvgPool2d(3, stride=2, padding=1)            # 8×8×8, padding counted
        self.c2 = nn.Conv2d(8, 12, 3, stride=2, padding=1)         # 12×4×4
        self.p2 = nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)  # 12×4×4
        self.p3 = nn.MaxPool2d(2)                                  # 12×2×2
        self.fc = nn.Linear(48, 10)

    def forward(self, x):
        x = self.p1(torch.relu(self.c1(x)))
        x = self.p3(self.p2(torch.tanh(self.c2(x))))
        return torch.softmax(self.fc(torch.flatten(x, 1)), dim=1)


class ConvBnRelu(nn.Module):
    """Conv-BatchNorm-ReLU blocks and a Linear-BatchNorm1d-ReLU block on 1×12×12."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 4, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(4)
        self.c2 = nn.Conv2d(4, 8, 3, bias=False)
        self.bn2 = nn.BatchNorm2d(8)
        self.fc1 = nn.Linear(8 * 4 * 4, 16)
        self.bn3 = nn.BatchNorm1d(16)
        self.fc2 = nn.Linear(16, 3)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.c1(x))), 2)
        x = F.relu(self.bn2(self.c2(x)))
        x = F.relu(self.bn3(self.fc1(torch.flatten(x, 1))))
        return self.fc2(x)


class Grouped(nn.Module):
    """A grouped convolution, which NetCompiler has no layer for."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(4, 4, 3, groups=2)
        self.fc = nn.Linear(4 * 4 * 4, 2)

    def forward(self, x):
        return self.fc(torch.flatten(torch.relu(self.c1(x)), 1))


def train(model, shape, outputs, classifier):
    """A few SGD steps on random data, in training mode (so BatchNorm's running statistics move)."""
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    model.train()
    for _ in range(8):
        x = torch.randn(16, *shape)
        if classifier:
            y = model(x)
            loss = F.nll_loss(y if isinstance(model, LeNet5) else torch.log(y + 1e-9), torch.randint(0, outputs, (16,)))
        else:
            loss = F.mse_loss(model(x), torch.randn(16, outputs))
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()


def export(model, shape, name, **kwargs):
    x = torch.randn(BATCH, *shape)
    with torch.no_grad():
        y = model(x)
    path = os.path.join(HERE, name + ".onnx")
    torch.onnx.export(model, x, path, opset_version=13, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, **kwargs)
    onnx.checker.check_model(onnx.load(path))
    with open(os.path.join(HERE, name + ".io.bin"), "wb") as f:
        flat_x = x.reshape(BATCH, -1)
        flat_y = y.reshape(BATCH, -1)
        f.write(struct.pack("<3i", BATCH, flat_x.shape[1], flat_y.shape[1]))
        f.write(flat_x.numpy().astype("<f4").tobytes())
        f.write(flat_y.numpy().astype("<f4").tobytes())
    print(f"{name}: {os.path.getsize(path)} bytes, ops {[n.op_type for n in onnx.load(path).graph.node]}")


def main():
    torch.manual_seed(20)
    cases = [
        ("mlp_tanh_sigmoid", Mlp(), (20,), 4, False),
        ("mlp_matmul_add", MatMulMlp(), (10,), 3, False),
        ("lenet5", LeNet5(), (1, 28, 28), 10, True),
        ("cnn_strided_pools", StridedCnn(), (3, 32, 32), 10, True),
        ("conv_bn_relu", ConvBnRelu(), (1, 12, 12), 3, False),
        ("unsupported_grouped_conv", Grouped(), (4, 6, 6), 2, False),
    ]
    for name, model, shape, outputs, classifier in cases:
        train(model, shape, outputs, classifier)
        export(model, shape, name)
        if isinstance(model, ConvBnRelu):
            # BatchNormalization kept as its own node (PyTorch folds it into the Conv by default).
            export(model, shape, name + "_preserve", training=torch.onnx.TrainingMode.PRESERVE)


if __name__ == "__main__":
    main()

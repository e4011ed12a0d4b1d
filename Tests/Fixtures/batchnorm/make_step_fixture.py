#!/usr/bin/python3
"""Writes step_fixture.bin: one SGD training step of a small convolutional network with batch normalisation, in PyTorch.

Run from the repository root with Debian's PyTorch (apt-get install python3-torch):

    /usr/bin/python3 Tests/Fixtures/batchnorm/make_step_fixture.py

The output is committed; the tests do not need PyTorch.

The network, in PyTorch and as the NetCompiler declaration that compiles the same network (same parameters in the same
order, same running statistics):

    Conv2d(1, 4, 3) → BatchNorm2d(4) → ReLU → MaxPool2d(2) → flatten → Linear(36, 10) → BatchNorm1d(10) → ReLU
    → Dropout(0) → Linear(10, 3), softmax cross-entropy averaged over the batch

    [Network(Loss = Loss.SoftmaxCrossEntropy)]
    [Input(1, 8, 8)]
    [Conv2D(4, 3)]
    [BatchNorm(Activation.ReLU)]
    [MaxPool2D(2)]
    [Dense(10)]
    [BatchNorm(Activation.ReLU)]
    [Dropout(0f)]
    [Dense(3)]
    public partial class BatchNormStepNet { }

One step in training mode: forward on a batch of 8 random samples with random labels (batch statistics), backward,
SGD with learning rate 0.1 (no momentum, no weight decay); BatchNorm updates its running statistics with momentum 0.1
and the unbiased batch variance. γ, β and the initial running statistics are random rather than PyTorch's 1, 0, 0, 1,
so that each of them matters. Every parameter and input is drawn in float32 (a float32 network loads them exactly);
the step itself is computed in float64, so the results are PyTorch's exact values, free of float32 rounding.
The biases of the convolution and of the first Linear feed a BatchNorm, which subtracts their effect with the batch
mean: their gradients are 0 mathematically (about 1e-17 here), so compare them with an absolute tolerance.

Layout of step_fixture.bin, all little-endian:

    magic "NCBN", int32 version 1
    int32 batch N, int32 channels C, int32 height H, int32 width W, int32 classes K,
    int32 parameter count P, int32 state count S
    float64 learning rate, float64 momentum, float64 epsilon, float64 dropout p
    float64[P]      initial parameters, in state_dict order (parameters only):
                    conv weight [4,1,3,3], conv bias [4], bn2d γ [4], bn2d β [4],
                    linear weight [10,36], linear bias [10], bn1d γ [10], bn1d β [10],
                    linear weight [3,10], linear bias [3]
    float64[S]      initial running statistics, in state_dict order without num_batches_tracked:
                    bn2d running mean [4], bn2d running var [4], bn1d running mean [10], bn1d running var [10]
    float64[N*C*H*W] inputs, sample by sample, each [C, H, W] row-major
    int32[N]        labels
    float64         mean loss of the batch (training mode, before the step)
    float64[N*K]    logits of the batch (training mode, before the step)
    float64[P]      gradients of the mean loss, same order as the parameters
    float64[P]      parameters after the step
    float64[S]      running statistics after the step
    float64[N*K]    logits of the same batch in inference mode (eval()) after the step
"""
import os
import struct
import sys

import torch
import torch.nn as nn

BATCH, C, H, W, K = 8, 1, 8, 8, 3
LR = 0.1
MOMENTUM = 0.1
EPS = 1e-5
DROPOUT = 0.0


def f64(t):
    return t.detach().to(torch.float64).contiguous().numpy().astype("<f8").tobytes()


def main(path):
    torch.manual_seed(1234)
    net = nn.Sequential(
        nn.Conv2d(C, 4, 3),
        nn.BatchNorm2d(4, eps=EPS, momentum=MOMENTUM),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(4 * 3 * 3, 10),
        nn.BatchNorm1d(10, eps=EPS, momentum=MOMENTUM),
        nn.ReLU(),
        nn.Dropout(DROPOUT),
        nn.Linear(10, K),
    )
    g = torch.Generator().manual_seed(99)
    with torch.no_grad():
        for bn in (net[1], net[6]):
            bn.weight.copy_(0.5 + torch.rand(bn.num_features, generator=g))
            bn.bias.copy_(0.4 * torch.rand(bn.num_features, generator=g) - 0.2)
            bn.running_mean.copy_(torch.rand(bn.num_features, generator=g) - 0.5)
            bn.running_var.copy_(0.5 + torch.rand(bn.num_features, generator=g))
    x = torch.randn(BATCH, C, H, W, generator=g)  # float32 values
    labels = torch.randint(0, K, (BATCH,), generator=g)

    net = net.double()  # the float32 values above, computed in float64
    x = x.double()
    bns = [m for m in net if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    params = list(net.parameters())
    flat = lambda ts: torch.cat([t.detach().reshape(-1) for t in ts])
    state = lambda: torch.cat([torch.cat([b.running_mean, b.running_var]) for b in bns])

    initial_params, initial_state = flat(params).clone(), state().clone()
    net.train()
    opt = torch.optim.SGD(net.parameters(), lr=LR)
    opt.zero_grad()
    logits = net(x)
    loss = nn.functional.cross_entropy(logits, labels)  # mean over the batch
    loss.backward()
    grads = flat([p.grad for p in params]).clone()
    opt.step()
    after_params, after_state = flat(params).clone(), state().clone()
    net.eval()
    with torch.no_grad():
        eval_logits = net(x)

    P, S = initial_params.numel(), initial_state.numel()
    with open(path + ".tmp", "wb") as f:
        f.write(b"NCBN")
        f.write(struct.pack("<iiiiiiii", 1, BATCH, C, H, W, K, P, S))
        f.write(struct.pack("<dddd", LR, MOMENTUM, EPS, DROPOUT))
        f.write(f64(initial_params))
        f.write(f64(initial_state))
        f.write(f64(x))
        f.write(labels.to(torch.int32).numpy().astype("<i4").tobytes())
        f.write(struct.pack("<d", loss.item()))
        f.write(f64(logits))
        f.write(f64(grads))
        f.write(f64(after_params))
        f.write(f64(after_state))
        f.write(f64(eval_logits))
    os.replace(path + ".tmp", path)
    print(f"wrote {path}: torch {torch.__version__}, {P} parameters, {S} running statistics, loss {loss.item():.6f}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "step_fixture.bin"))

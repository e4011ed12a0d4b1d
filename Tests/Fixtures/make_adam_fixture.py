#!/usr/bin/python3
"""Writes adam_fixture.bin: 200 steps of torch.optim.Adam and torch.optim.AdamW on given gradients.

Run from the repository root with Debian's PyTorch (apt-get install python3-torch):

    /usr/bin/python3 Tests/Fixtures/make_adam_fixture.py

The tests read the file; they do not need PyTorch. Layout, all little-endian:

    magic "NCAF", int32 version 1, int32 parameter count N, int32 steps S, int32 case count C
    float32[N]      initial parameters
    float32[S * N]  the gradient given at each step
    C times:
        float32 lr, beta1, beta2, eps, weight_decay; int32 decoupled (0 Adam, 1 AdamW)
        float32[S * N]  the parameters after each step
"""
import struct
import sys

import torch

N = 19  # two 8-float vectors and a scalar tail, so both code paths are compared
STEPS = 200
CASES = [
    # lr, beta1, beta2, eps, weight_decay, decoupled
    (1e-2, 0.9, 0.999, 1e-8, 0.0, False),   # Adam
    (1e-2, 0.9, 0.999, 1e-8, 0.1, False),   # Adam with L2 weight decay
    (1e-2, 0.9, 0.999, 1e-8, 0.0, True),    # AdamW without weight decay
    (3e-3, 0.8, 0.99, 1e-6, 0.05, True),    # AdamW with decoupled weight decay, other betas and epsilon
]


def main(path):
    g = torch.Generator().manual_seed(22)
    initial = torch.randn(N, generator=g, dtype=torch.float32)
    # Gradients of varied scale and sign, some near zero, as training produces.
    scales = torch.logspace(-3, 1, N, dtype=torch.float32)
    grads = torch.randn(STEPS, N, generator=g, dtype=torch.float32) * scales + 0.1 * torch.sin(torch.arange(STEPS, dtype=torch.float32))[:, None]
    with open(path, "wb") as f:
        f.write(b"NCAF")
        f.write(struct.pack("<iiii", 1, N, STEPS, len(CASES)))
        f.write(initial.numpy().astype("<f4").tobytes())
        f.write(grads.numpy().astype("<f4").tobytes())
        for lr, beta1, beta2, eps, wd, decoupled in CASES:
            p = torch.nn.Parameter(initial.clone())
            cls = torch.optim.AdamW if decoupled else torch.optim.Adam
            opt = cls([p], lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=wd)
            rows = []
            for s in range(STEPS):
                p.grad = grads[s].clone()
                opt.step()
                rows.append(p.detach().clone())
            f.write(struct.pack("<fffffi", lr, beta1, beta2, eps, wd, int(decoupled)))
            f.write(torch.stack(rows).numpy().astype("<f4").tobytes())
    print(f"wrote {path}: torch {torch.__version__}, {len(CASES)} cases x {STEPS} steps x {N} parameters")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "Tests/Fixtures/adam_fixture.bin")

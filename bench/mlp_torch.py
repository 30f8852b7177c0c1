#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""mlp_torch.py -- the peer of bench_mlp in PyTorch: a two-layer perceptron,
batch 64, 784-256-10, tanh hidden layer, log-softmax and the mean negative
log-likelihood, float64, one thread, on the same seeded random numbers as
bench_mlp (xorshift64*, drawn in the same order), so the loss is the same.

Prints the loss, the forward time (with autograd recording) and the
forward+backward time (torch.autograd.grad over W1, b1, W2, b2), each the
median of repeated samples measured as bench/timing.h does.  With --out FILE
it also writes the line `mlp forward fwd+bwd loss`, which bench_mlp --peer
reads to print these figures beside its own.

usage: mlp_torch.py [-t SECONDS] [--out FILE]
"""
import math
import os
import sys

# one thread everywhere, so that the comparison with the single-threaded C
# figures is fair; set before torch loads its BLAS and OpenMP runtimes
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import torch  # noqa: E402  (after the thread settings, on purpose)
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(1)

from gmm_torch import human, measure  # noqa: E402  (this directory: one timing rule)

B, IN, H, OUT = 64, 784, 256, 10
MASK = (1 << 64) - 1


class Rng:
    """xorshift64*, the generator of bench_mlp.c, with the same seed"""

    def __init__(self):
        self.s = 0x9E3779B97F4A7C15

    def next(self):
        s = self.s
        s ^= s >> 12
        s ^= (s << 25) & MASK
        s ^= s >> 27
        self.s = s
        return (s * 0x2545F4914F6CDD1D) & MASK

    def uniform(self):
        # 53 random bits times 2^-53: exact in a double, as in C
        return (self.next() >> 11) * 2.0 ** -53


def data():
    rng = Rng()
    x = [rng.uniform() for _ in range(B * IN)]
    labels = [rng.next() % OUT for _ in range(B)]
    # the same expressions as bench_mlp.c, so every weight rounds alike
    s1, s2 = 1.0 / math.sqrt(IN), 1.0 / math.sqrt(H)
    w1 = [(2.0 * rng.uniform() - 1.0) * s1 for _ in range(IN * H)]
    b1 = [(2.0 * rng.uniform() - 1.0) * s1 for _ in range(H)]
    w2 = [(2.0 * rng.uniform() - 1.0) * s2 for _ in range(H * OUT)]
    b2 = [(2.0 * rng.uniform() - 1.0) * s2 for _ in range(OUT)]
    dt = torch.float64

    def param(v, *shape):
        return torch.tensor(v, dtype=dt).reshape(*shape).requires_grad_()

    return (torch.tensor(x, dtype=dt).reshape(B, IN), torch.tensor(labels, dtype=torch.long),
            param(w1, IN, H), param(b1, H), param(w2, H, OUT), param(b2, OUT))


def main(argv):
    min_time, out = 0.5, None
    i = 0
    while i < len(argv):
        if argv[i] == "-t" and i + 1 < len(argv):
            min_time = float(argv[i + 1])
        elif argv[i] == "--out" and i + 1 < len(argv):
            out = argv[i + 1]
        else:
            print("usage: mlp_torch.py [-t SECONDS] [--out FILE]", file=sys.stderr)
            return 2
        i += 2
    x, y, w1, b1, w2, b2 = data()
    params = (w1, b1, w2, b2)

    def forward():
        h = torch.tanh(x @ w1 + b1)
        return F.nll_loss(F.log_softmax(h @ w2 + b2, dim=1), y)    # mean over the batch

    def forward_backward():
        return torch.autograd.grad(forward(), params)

    loss = forward().item()
    fwd = measure(forward, min_time)
    fb = measure(forward_backward, min_time)
    print(f"MLP {IN}-{H}-{OUT}, batch {B}, in PyTorch {torch.__version__}, float64, "
          f"torch.get_num_threads() = {torch.get_num_threads()}")
    print(f"loss {loss:.17g}: forward {human(fwd).strip()}, forward+backward {human(fb).strip()} "
          f"({fb / fwd:.2f}x)")
    print("forward: with autograd recording; backward: torch.autograd.grad over W1, b1, W2, b2; "
          f"each the median\nof samples of >= 1 ms, >= {min_time:g} s per figure")
    if out:
        with open(out, "w") as fh:
            fh.write("# mlp_torch.py: mlp forward_seconds forward_backward_seconds loss\n")
            fh.write(f"mlp {fwd:.6e} {fb:.6e} {loss:.17g}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""gmm_torch.py -- the ADBench GMM objective and its gradient in PyTorch, the
peer of bench_gmm_tensor: the same objective (bench/gmm_objective.h), the same
data files, vectorized over points and components, float64, one thread.

    f = -n d/2 log(2 pi)
        + sum_i logsumexp_k(alpha_k + sum(q_k) - 1/2 |Q_k (x_i - mu_k)|^2)
        - n logsumexp(alpha)
        + sum_k [1/2 gamma^2 (|exp q_k|^2 + |l_k|^2) - m sum(q_k)] - K C

Two forms, as in bench_gmm_tensor: `centered` (Q_k (mu_k - x_i) from a
broadcast difference and a batched matmul) and `expanded` (Q_k mu_k - Q_k x_i,
one product of the data with all Q_k^T side by side).  Prints, per file and
form, the objective value (so that it can be compared with the plain C
objective), the forward time and the forward+backward time (the median of
repeated samples, measured as bench/timing.h does).  With --out FILE it also
writes one line per file and form, `path form forward fwd+bwd f`, which
bench_gmm_tensor --peer reads to print these figures beside its own.

usage: gmm_torch.py [-t SECONDS] [--out FILE] DATADIR [FILE ...]
(FILE relative to DATADIR; the default files are those of bench_gmm_tensor)
"""
import math
import os
import sys
import time

# one thread everywhere, so that the comparison with the single-threaded C
# figures is fair; the environment variables must be set before torch loads
# its BLAS and OpenMP runtimes
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import torch  # noqa: E402  (after the thread settings, on purpose)

torch.set_num_threads(1)

FORMS = ("centered", "expanded")
DEFAULT_FILES = ["gmm/1k/gmm_d2_K5.txt", "gmm/1k/gmm_d10_K5.txt", "gmm/1k/gmm_d64_K5.txt"]

# the sampling rules of bench/timing.h
MIN_SAMPLE = 1e-3
MIN_SAMPLES = 5
MAX_SAMPLES = 1000


def read_gmm(path):
    """The ADBench file: `d K n`, K alphas, K means, K icf rows, n points,
    `gamma m`.  Read strictly: a wrong count is an error, not a guess."""
    with open(path) as fh:
        rows = [line.split() for line in fh if line.strip()]
    d, K, n = (int(v) for v in rows[0])
    nicf = d * (d + 1) // 2
    pos = 1

    def take(count, width):
        nonlocal pos
        block = rows[pos:pos + count]
        if len(block) != count or any(len(r) != width for r in block):
            raise ValueError(f"{path}: expected {count} lines of {width} values at line {pos + 1}")
        pos += count
        return [[float(v) for v in r] for r in block]

    alphas = [r[0] for r in take(K, 1)]
    means = take(K, d)
    icf = take(K, nicf)
    x = take(n, d)
    last = rows[pos]
    if len(last) != 2 or pos + 1 != len(rows):
        raise ValueError(f"{path}: expected a last line `gamma m`")
    return d, K, n, alphas, means, icf, x, float(last[0]), int(last[1])


def gmm_constant(d, K, n, gamma, m):
    """-n d/2 log(2 pi) - K C, as gmm_constant() in bench/gmm_objective.c"""
    npr = d + m + 1
    log_multigamma = 0.25 * d * (d - 1) * math.log(math.pi) + sum(
        math.lgamma(0.5 * npr + 0.5 * (1 - j)) for j in range(1, d + 1))
    C = npr * d * (math.log(gamma) - 0.5 * math.log(2.0)) - log_multigamma
    return -0.5 * n * d * math.log(2 * math.pi) - K * C


class Problem:
    def __init__(self, path):
        d, K, n, alphas, means, icf, x, gamma, m = read_gmm(path)
        dt = torch.float64
        self.d, self.K, self.n = d, K, n
        self.alphas = torch.tensor(alphas, dtype=dt, requires_grad=True)
        self.means = torch.tensor(means, dtype=dt, requires_grad=True)
        self.icf = torch.tensor(icf, dtype=dt, requires_grad=True)
        self.x = torch.tensor(x, dtype=dt)
        self.half_g2 = 0.5 * gamma * gamma
        self.m = float(m)
        self.const = gmm_constant(d, K, n, gamma, m)
        # l_k holds the strict lower triangle of Q_k column by column; its
        # element j goes to row r, column c of Q_k, flattened r*d + c.  One
        # index_copy into zeros places them all: no Python loop per call.
        flat = [r * d + c for c in range(d) for r in range(c + 1, d)]
        self.lower_idx = torch.tensor(flat, dtype=torch.long)

    def objective(self, form="centered"):
        d, K, n = self.d, self.K, self.n
        alphas, means, icf = self.alphas, self.means, self.icf
        q = icf[:, :d]
        sumq = q.sum(1)                                         # log det Q_k
        Q = torch.zeros(K, d * d, dtype=icf.dtype).index_copy(1, self.lower_idx, icf[:, d:])
        Q = Q.view(K, d, d) + torch.diag_embed(torch.exp(q))
        if form == "centered":
            # (mu_k - x_i) has the norm of (x_i - mu_k) under Q_k; (K, n, d)
            diff = means[:, None, :] - self.x[None, :, :]
            qx = torch.matmul(diff, Q.transpose(1, 2))          # row i: Q_k diff_i
            sq = (qx * qx).sum(2)                               # (K, n)
            term = (alphas + sumq)[:, None] - 0.5 * sq
            lse = torch.logsumexp(term, 0)
        else:
            # Q_k mu_k - Q_k x_i: x times [Q_1^T ... Q_K^T] is one (n, d) @ (d, K d)
            # product, and its backward needs no product for the constant x
            w = Q.permute(2, 0, 1).reshape(d, K * d)            # w[c, k d + r] = Q_k[r, c]
            xw = (self.x @ w).view(n, K, d)
            mw = torch.matmul(means[:, None, :], Q.transpose(1, 2)).view(K, d)
            qx = mw - xw                                        # (n, K, d)
            sq = (qx * qx).sum(2)                               # (n, K)
            lse = torch.logsumexp((alphas + sumq) - 0.5 * sq, 1)
        f = lse.sum() - n * torch.logsumexp(alphas, 0)
        prior = self.half_g2 * ((torch.exp(q) ** 2).sum() + (icf[:, d:] ** 2).sum()) \
            - self.m * sumq.sum()
        return f + prior + self.const

    def forward(self, form):
        return lambda: self.objective(form)

    def forward_backward(self, form):
        return lambda: torch.autograd.grad(self.objective(form),
                                           (self.alphas, self.means, self.icf))


def median(v):
    v = sorted(v)
    k = len(v)
    return v[k // 2] if k % 2 else 0.5 * (v[k // 2 - 1] + v[k // 2])


def measure(fn, min_total):
    """seconds per call: the median of samples of >= MIN_SAMPLE seconds each,
    at least MIN_SAMPLES of them and min_total seconds in all"""
    t0 = time.perf_counter()
    fn()                       # untimed: warms caches and the allocator
    once = max(time.perf_counter() - t0, 1e-9)
    inner = 1 if once >= MIN_SAMPLE else int(MIN_SAMPLE / once) + 1
    samples, total = [], 0.0
    while len(samples) < MAX_SAMPLES and (len(samples) < MIN_SAMPLES or total < min_total):
        s = time.perf_counter()
        for _ in range(inner):
            fn()
        e = time.perf_counter() - s
        samples.append(e / inner)
        total += e
    return median(samples)


def human(s):
    if s < 1e-3:
        return f"{s * 1e6:7.1f} us"
    if s < 1:
        return f"{s * 1e3:7.2f} ms"
    return f"{s:7.3f} s "


def main(argv):
    min_time, out, args = 0.5, None, []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "-t" and i + 1 < len(argv):
            min_time = float(argv[i + 1])
            i += 2
        elif a == "--out" and i + 1 < len(argv):
            out = argv[i + 1]
            i += 2
        elif a.startswith("-"):
            print(__doc__.split("\n\n")[-1], file=sys.stderr)
            return 2
        else:
            args.append(a)
            i += 1
    if not args:
        print("usage: gmm_torch.py [-t SECONDS] [--out FILE] DATADIR [FILE ...]", file=sys.stderr)
        return 2
    datadir, files = args[0], args[1:] or DEFAULT_FILES

    print(f"ADBench GMM in PyTorch {torch.__version__}, float64, "
          f"torch.get_num_threads() = {torch.get_num_threads()}")
    print(f"{'problem':<16} {'form':<9} {'f':>24} {'forward':>11} {'fwd+bwd':>11}")
    lines = []
    for name in files:
        p = Problem(os.path.join(datadir, name))
        for form in FORMS:
            with torch.no_grad():
                f = p.objective(form).item()
            fwd = measure(p.forward(form), min_time)
            fb = measure(p.forward_backward(form), min_time)
            label = f"d={p.d} K={p.K} n={p.n}" if form == FORMS[0] else ""
            print(f"{label:<16} {form:<9} {f:24.17g} {human(fwd):>11} {human(fb):>11}",
                  flush=True)
            lines.append(f"{name} {form} {fwd:.6e} {fb:.6e} {f:.17g}\n")
    print("forward: the objective with autograd recording; fwd+bwd: the objective and "
          "torch.autograd.grad\nover alphas, means, icf; each the median of samples of >= 1 ms, "
          f">= {min_time:g} s per figure")
    if out:
        with open(out, "w") as fh:
            fh.write("# gmm_torch.py: path form forward_seconds forward_backward_seconds f\n")
            fh.writelines(lines)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""hessian_torch.py -- the peer of bench_hessian in PyTorch: Hessian-vector
products and dense Hessians of the same functions, at the same points, along
the same direction v, float64, one thread.

    gmm_d2_K5, gmm_d10_K5, gmm_d64_K5   the ADBench GMM objective (gmm_torch.py's
                                        two tensor forms; the faster is kept)
    mlp                                 mlp_torch.py's 784-256-10 perceptron
    rosen100                            the extended Rosenbrock function, n = 100,
                                        at (-1.2, 1, -1.2, 1, ...)
    prior_d2_K5, prior_d10_K5           the GMM's Wishart prior over icf alone

For each it times torch.autograd.grad (forward + backward),
torch.autograd.functional.hvp (double backward), torch.autograd.functional.vhp
(v^T H, one backward fewer) and, for rosen100 and the priors,
torch.autograd.functional.hessian with and without vectorize=True; each the
median of repeated samples measured as bench/timing.h does.  Every call
records the function again: PyTorch has no separate tape.  v is drawn by the
xorshift64* generator of bench_hessian.c from its DIR_SEED, uniform in
[-1, 1), one value per parameter in the order of the parameters' elements.

With --out FILE it writes one line per problem,
`key form grad hvp vhp hessian hessian_vectorized f vHv` ('-' where not
measured), which bench_hessian --peer reads to print these figures beside
its own and to compare f and v.(H v) with its own.

usage: hessian_torch.py [-t SECONDS] [--out FILE] DATADIR
"""
import math
import os
import sys
import types

# one thread everywhere, set before torch loads its BLAS and OpenMP runtimes
# (gmm_torch and mlp_torch do the same on import)
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import torch  # noqa: E402  (after the thread settings, on purpose)
import torch.nn.functional as F  # noqa: E402

import gmm_torch  # noqa: E402  (this directory: the GMM objective, the sampling rules)
import mlp_torch  # noqa: E402  (the perceptron's data)

torch.set_num_threads(1)

DIR_SEED = 0x853C49E6748FEA9B
ROSEN_N = 100
GMM_FILES = [("d2_K5", "gmm/1k/gmm_d2_K5.txt"), ("d10_K5", "gmm/1k/gmm_d10_K5.txt"),
             ("d64_K5", "gmm/1k/gmm_d64_K5.txt")]
PRIOR_FILES = GMM_FILES[:2]
measure, human = gmm_torch.measure, gmm_torch.human


def direction(shapes):
    """v as a tuple of tensors of the given shapes, drawn in order"""
    rng = mlp_torch.Rng()
    rng.s = DIR_SEED
    out = []
    for shape in shapes:
        count = math.prod(shape)
        vals = [2.0 * rng.uniform() - 1.0 for _ in range(count)]
        out.append(torch.tensor(vals, dtype=torch.float64).reshape(shape))
    return tuple(out)


class Case:
    """a function of a tuple of tensors, the point, and v"""

    def __init__(self, key, form, fn, inputs, dense):
        self.key, self.form, self.fn, self.dense = key, form, fn, dense
        self.inputs = tuple(x.detach().clone() for x in inputs)
        self.v = direction([tuple(x.shape) for x in self.inputs])

    def grad(self):
        xs = tuple(x.detach().requires_grad_() for x in self.inputs)
        return torch.autograd.grad(self.fn(*xs), xs)

    def hvp(self):
        return torch.autograd.functional.hvp(self.fn, self.inputs, self.v)

    def vhp(self):
        return torch.autograd.functional.vhp(self.fn, self.inputs, self.v)

    def hessian(self, vectorize):
        return torch.autograd.functional.hessian(self.fn, self.inputs, vectorize=vectorize)

    def value_and_vhv(self):
        f, hv = self.hvp()
        return f.item(), sum((a * b).sum().item() for a, b in zip(self.v, hv))


def gmm_cases(datadir):
    for key, name in GMM_FILES:
        p = gmm_torch.Problem(os.path.join(datadir, name))
        for form in gmm_torch.FORMS:
            def fn(alphas, means, icf, p=p, form=form):
                # gmm_torch.Problem.objective reads its parameters from self:
                # a view of p with these three in their place
                q = types.SimpleNamespace(**vars(p))
                q.alphas, q.means, q.icf = alphas, means, icf
                return gmm_torch.Problem.objective(q, form)
            # the dense Hessian at d = 2 only (N = 30; bench_hessian's table 2)
            yield Case("gmm_" + key, form, fn, (p.alphas, p.means, p.icf), key == "d2_K5")


def mlp_case():
    x, y, w1, b1, w2, b2 = mlp_torch.data()

    def fn(w1, b1, w2, b2):
        h = torch.tanh(x @ w1 + b1)
        return F.nll_loss(F.log_softmax(h @ w2 + b2, dim=1), y)
    return Case("mlp", "-", fn, (w1, b1, w2, b2), False)


def rosen_case():
    x0 = torch.tensor([1.0 if i % 2 else -1.2 for i in range(ROSEN_N)], dtype=torch.float64)

    def fn(x):
        a, b = x[0::2], x[1::2]
        return (100 * (b - a * a) ** 2 + (1 - a) ** 2).sum()
    return Case(f"rosen{ROSEN_N}", "-", fn, (x0,), True)


def prior_cases(datadir):
    for key, name in PRIOR_FILES:
        d, K, n, alphas, means, icf, x, gamma, m = gmm_torch.read_gmm(os.path.join(datadir, name))
        half_g2 = 0.5 * gamma * gamma

        def fn(icf, d=d, half_g2=half_g2, m=float(m)):
            q, l = icf[:, :d], icf[:, d:]
            return half_g2 * ((torch.exp(q) ** 2).sum() + (l ** 2).sum()) - m * q.sum()
        yield Case("prior_" + key, "-", fn, (torch.tensor(icf, dtype=torch.float64),), True)


def run(case, min_time):
    """the figures of one case: seconds (NaN where not measured), f, v.(H v)"""
    f, vhv = case.value_and_vhv()
    r = {"grad": measure(case.grad, min_time), "hvp": measure(case.hvp, min_time),
         "vhp": measure(case.vhp, min_time), "hess": math.nan, "hess_vec": math.nan,
         "f": f, "vhv": vhv}
    if case.dense:
        r["hess"] = measure(lambda: case.hessian(False), min_time)
        r["hess_vec"] = measure(lambda: case.hessian(True), min_time)
    return r


def fmt(x):
    return "-" if math.isnan(x) else f"{x:.6e}"


def main(argv):
    min_time, out, args = 0.5, None, []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-t", "--out") and i + 1 < len(argv):
            if a == "-t":
                min_time = float(argv[i + 1])
            else:
                out = argv[i + 1]
            i += 2
        elif a.startswith("-"):
            print("usage: hessian_torch.py [-t SECONDS] [--out FILE] DATADIR", file=sys.stderr)
            return 2
        else:
            args.append(a)
            i += 1
    if len(args) != 1:
        print("usage: hessian_torch.py [-t SECONDS] [--out FILE] DATADIR", file=sys.stderr)
        return 2
    datadir = args[0]

    print(f"Second order in PyTorch {torch.__version__}, float64, "
          f"torch.get_num_threads() = {torch.get_num_threads()}")
    print(f"{'problem':<14} {'form':<9} {'grad':>10} {'hvp':>10} {'vhp':>10} {'hessian':>10} "
          f"{'vectorize':>10} {'hvp/grad':>9}")
    rows = []
    groups = [list(gmm_cases(datadir)), [mlp_case()], [rosen_case()], list(prior_cases(datadir))]
    for group in groups:
        by_key = {}
        for case in group:
            by_key.setdefault(case.key, []).append(case)
        for key, cases in by_key.items():
            best = None
            for case in cases:
                r = run(case, min_time)
                # the GMM's two forms: the one with the faster hvp is kept
                if best is None or r["hvp"] < best[1]["hvp"]:
                    best = (case, r)
                print(f"{key:<14} {case.form:<9} {human(r['grad']):>10} {human(r['hvp']):>10} "
                      f"{human(r['vhp']):>10} "
                      f"{human(r['hess']) if case.dense else '-':>10} "
                      f"{human(r['hess_vec']) if case.dense else '-':>10} "
                      f"{r['hvp'] / r['grad']:8.2f}x", flush=True)
            rows.append(best)
    print("grad: forward + torch.autograd.grad; hvp, vhp, hessian: torch.autograd.functional, "
          "each call\nrecording the function again; each the median of samples of >= 1 ms, "
          f">= {min_time:g} s per figure")
    if out:
        with open(out, "w") as fh:
            fh.write("# hessian_torch.py: key form grad hvp vhp hessian hessian_vectorized "
                     "f vHv (seconds; '-': not measured)\n")
            threads = " ".join(f"{v}={os.environ[v]}" for v in ("OPENBLAS_NUM_THREADS",
                                                                  "OMP_NUM_THREADS"))
            fh.write(f"# command: {threads} {sys.executable} {' '.join(sys.argv)}\n")
            for case, r in rows:
                fh.write(f"{case.key} {case.form} {fmt(r['grad'])} {fmt(r['hvp'])} "
                         f"{fmt(r['vhp'])} {fmt(r['hess'])} {fmt(r['hess_vec'])} "
                         f"{r['f']:.17g} {r['vhv']:.17g}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

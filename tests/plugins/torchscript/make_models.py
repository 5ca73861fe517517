"""Tiny TorchScript models and PyTorch's reference outputs for test_torchscript.c.

Usage: /usr/bin/python3 make_models.py OUTDIR

Writes into OUTDIR:
  mlp.pt        traced MLP denoiser on (n, 6), forward(x, c)
  linear.pt     scripted linear noise predictor on (n, 6)
  conv.pt       traced 3x3 convolution denoiser on (n, 2, 3, 4) images
  echo.pt       scripted: returns c broadcast to x's shape (shows what c the model got)
  gauss.pt      scripted exact denoiser of N(0, diag(1, 1/2, 1/3, 1/4)) in the VE
                variable (input = ve-sigma), for the end-to-end recipe
  gaussx.pt, gaussv.pt, gaussy.pt, gaussvy.pt: scripted exact denoiser (x) and its
                v = alpha eps - sigma x0 (v; Salimans & Ho 2022) of
                N(0, diag(1, 1/2, ..., 1/6)), on x with c = sigma of a VP schedule
                (alpha = sqrt(1 - c^2)) and on y = x / alpha with c = sigma / alpha
                (y, the VE variable: alpha = 1, sigma = c); the v cases' references
                are the denoisers' own outputs
  bad models:   shape.pt (drops a column), tuple.pt (returns a tuple), onearg.pt
                (forward(x) only), nan.pt (NaN once c > 0.8), state.pt (torch.save of
                a state_dict: a zip, not TorchScript), garbage.pt (text)
  x.npy (5 x 6), ximg.npy (5 x 24, rows height x width x channels: basin's layout),
  times.npy (4 x 3: t, alpha, sigma of ddpm-linear, Ho et al. 2020 in continuous
  time, log abar(t) = -T (b0 t + (b1 - b0) t^2 / 2)),
  cases.txt: one line per case "MODEL OUTPUT INPUT IMAGE_SHAPE X REF RAW" and
  REF / RAW .npy files (4 x n x dim, float64): x0_hat by the plugin's documented
  convention, computed here independently, and the model's raw output.
"""
import os
import sys

import numpy as np
import torch

out = sys.argv[1]
torch.manual_seed(0)
torch.set_num_threads(1)
T, B0, B1 = 1000.0, 1e-4, 0.02


def save(m, name):
    torch.jit.save(m, os.path.join(out, name))


class MLP(torch.nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.l1 = torch.nn.Linear(dim, hidden)
        self.wc = torch.nn.Parameter(torch.randn(hidden))
        self.l2 = torch.nn.Linear(hidden, dim)

    def forward(self, x, c):
        h = torch.tanh(self.l1(x) + c[:, None] * self.wc / (1 + c[:, None].abs()))
        return self.l2(h) + 0.1 * x


class Linear(torch.nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.a = torch.nn.Parameter(torch.randn(dim, dim) / dim ** 0.5)
        self.b = torch.nn.Parameter(torch.randn(dim))

    def forward(self, x, c):
        return (x @ self.a) / (1 + c[:, None]) + self.b * torch.sin(c[:, None])


class Conv(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(2, 2, 3, padding=1)

    def forward(self, x, c):
        return self.conv(x) * torch.cos(c[:, None, None, None]) + x


class Echo(torch.nn.Module):
    def forward(self, x, c):
        return torch.zeros_like(x) + c[:, None]


class Gauss(torch.nn.Module):
    """x0_hat = lam / (lam + s^2) y for y = x / alpha, s = sigma / alpha."""

    def __init__(self):
        super().__init__()
        self.register_buffer("lam", 1 / torch.arange(1, 5, dtype=torch.float32))

    def forward(self, y, s):
        return self.lam / (self.lam + s[:, None] ** 2) * y


class GaussV(torch.nn.Module):
    """x0_hat or v of N(0, diag(lam)) at x = a x0 + s eps, in float64: on x (VP,
    a = sqrt(1 - c^2), s = c) or on y (VE, a = 1, s = c). eps_hat and x0_hat in the
    forms without cancellation: x0_hat = a lam x / (a^2 lam + s^2),
    eps_hat = s x / (a^2 lam + s^2)."""

    def __init__(self, want_v: bool, ve: bool):
        super().__init__()
        self.want_v = want_v
        self.ve = ve
        self.register_buffer("lam", 1 / torch.arange(1, 7, dtype=torch.float64))

    def forward(self, x, c):
        s = c.double()[:, None]
        a = torch.ones_like(s) if self.ve else torch.sqrt(1 - s * s)
        xd = x.double()
        den = a * a * self.lam + s * s
        x0 = a * self.lam * xd / den
        if not self.want_v:
            return x0.float()
        return (a * (s * xd / den) - s * x0).float()


class Shape(torch.nn.Module):
    def forward(self, x, c):
        return x[:, 1:]


class Tuple(torch.nn.Module):
    def forward(self, x, c):
        return x, c


class OneArg(torch.nn.Module):
    def forward(self, x):
        return x


class Nan(torch.nn.Module):
    def forward(self, x, c):
        return torch.where(c[:, None] > 0.8, x * float("nan"), x)


n, dim = 5, 6
x = torch.randn(n, dim)
ximg = torch.randn(n, 3 * 4 * 2)          # rows: H = 3, W = 4, C = 2, channels last
c_ex = torch.rand(n)
mlp = torch.jit.trace(MLP(dim, 16).eval(), (x, c_ex))
linear = torch.jit.script(Linear(dim).eval())
conv = torch.jit.trace(Conv().eval(), (torch.randn(n, 2, 3, 4), c_ex))
save(mlp, "mlp.pt")
save(linear, "linear.pt")
save(conv, "conv.pt")
for m, name in [(Echo(), "echo.pt"), (Gauss(), "gauss.pt"), (Shape(), "shape.pt"),
                (Tuple(), "tuple.pt"), (OneArg(), "onearg.pt"), (Nan(), "nan.pt")]:
    save(torch.jit.script(m), name)
gauss_v = {}
for want_v in [False, True]:
    for ve in [False, True]:
        name = "gauss%s%s" % ("v" if want_v else "x", "y" if ve else "")
        name = name.replace("gaussxy", "gaussy")
        gauss_v[name] = torch.jit.script(GaussV(want_v, ve).eval())
        save(gauss_v[name], name + ".pt")
torch.save(MLP(dim, 4).state_dict(), os.path.join(out, "state.pt"))
with open(os.path.join(out, "garbage.pt"), "w") as f:
    f.write("not a model\n")
np.save(os.path.join(out, "x.npy"), x.numpy())
np.save(os.path.join(out, "ximg.npy"), ximg.numpy())

times = np.array([0.001, 0.1, 0.5, 0.9])
neg_log_abar = T * (B0 * times + 0.5 * (B1 - B0) * times ** 2)
alphas = np.exp(-0.5 * neg_log_abar)
sigmas = np.sqrt(-np.expm1(-neg_log_abar))
np.save(os.path.join(out, "times.npy"), np.stack([times, alphas, sigmas], 1))


def reference(model, output, inp, xs, image):
    """x0_hat and raw output (4 x n x dim, float64) by the documented convention."""
    refs, raws = [], []
    for t, a, s in zip(times, alphas, sigmas):
        c = {"sigma": s, "ve-sigma": s / a, "t": t,
             "ddpm-step": round(1000 * t) - 1}[inp]
        z = xs / a if inp == "ve-sigma" else xs.clone()
        if image:                                     # (n, H, W, C) -> NCHW
            z = z.view(-1, 3, 4, 2).permute(0, 3, 1, 2).contiguous()
        with torch.no_grad():
            r = model(z, torch.full((z.shape[0],), float(c)))
        if image:
            r = r.permute(0, 2, 3, 1).reshape(z.shape[0], -1)
        r = r.double().numpy()
        xd = xs.double().numpy()
        if output == "denoiser":
            x0 = r
        elif output == "epsilon":
            x0 = (xd - s * r) / a
        elif inp == "ve-sigma":                        # score of y = x / alpha
            x0 = xd / a + (s / a) ** 2 * r
        else:
            x0 = (xd + s * s * r) / a
        refs.append(x0)
        raws.append(r)
    return np.stack(refs), np.stack(raws)


cases = [("mlp", mlp, "denoiser", i, "-", x) for i in ["sigma", "ve-sigma", "t",
                                                         "ddpm-step"]]
cases += [("linear", linear, "epsilon", "sigma", "-", x),
          ("linear", linear, "epsilon", "ddpm-step", "-", x),
          ("linear", linear, "score", "sigma", "-", x),
          ("linear", linear, "score", "ve-sigma", "-", x),
          ("conv", conv, "denoiser", "t", "2,3,4", ximg),
          ("gaussx", gauss_v["gaussx"], "denoiser", "sigma", "-", x),
          ("gaussy", gauss_v["gaussy"], "denoiser", "ve-sigma", "-", x),
          ("gaussv", gauss_v["gaussv"], "v", "sigma", "-", x),
          ("gaussvy", gauss_v["gaussvy"], "v", "ve-sigma", "-", x)]
# v: the reference is the matching denoiser's x0_hat (raw output), not a conversion
same_x0 = {"gaussv": "gaussx", "gaussvy": "gaussy"}
with open(os.path.join(out, "cases.txt"), "w") as f:
    for name, model, output, inp, shape, xs in cases:
        ref, raw = reference(model, output, inp, xs, shape != "-")
        if name in same_x0:
            ref = reference(gauss_v[same_x0[name]], "denoiser", inp, xs, False)[0]
        stem = "%s-%s-%s" % (name, output, inp)
        np.save(os.path.join(out, stem + "-ref.npy"), ref)
        np.save(os.path.join(out, stem + "-raw.npy"), raw)
        f.write("%s.pt %s %s %s %s %s-ref.npy %s-raw.npy\n" % (
            name, output, inp, shape, "x.npy" if xs is x else "ximg.npy", stem, stem))

"""Train a small convolution-only UNet denoiser on Fashion-MNIST on the CPU and save
it as TorchScript for scores/torchscript (input = "ve-sigma", output = "denoiser",
image_shape = "1,28,28"), so that recipes/els-unet-fashion-mnist.toml can score the
ELS machine (scores/patch) against a trained convolutional network by r²
(Kamb & Ganguli 2025, arXiv:2412.20292: median r² about 0.94 on Fashion-MNIST for
convolution-only ResNets/UNets; docs/analytic-denoisers.md).

The network has no attention and no fully connected layer: 3 × 3 convolutions,
GroupNorm and SiLU at 28 × 28, 14 × 14 and 7 × 7 with skip connections, zero
padding, and the noise level entering as a per-channel bias (a convolution-only
network stays local and translation equivariant up to its borders, the two
properties the paper's theory rests on). It is trained as an EDM denoiser
(Karras et al. 2022, Sec. 5 and Table 1: preconditioning c_skip, c_out, c_in,
c_noise; log σ ~ N(−1.2, 1.2²); loss weight (σ² + σ_d²)/(σ σ_d)²) on the first K
training images, pixels p/127.5 − 1 as datasets/fashion-mnist gives them.

Usage (Debian's python3-torch and dataset-fashion-mnist):
  /usr/bin/python3 bench/conv_unet.py --out unet.pt [--count 10] [--minutes 15]
      [--threads 2] [--width 16] [--batch 32] [--seed 1]
Trains until --minutes of wall time have passed (or --steps steps), prints the
loss every 200 steps, then saves the traced module. About 15 minutes on 2 cores
by default. Measured: width 16, batch 32, 9 642 steps in 20 minutes on one core
of a shared machine, loss 0.064 (width 32, batch 64 is about 8 times slower a
step: 257 steps in 12 minutes, loss 0.62, r² of ELS against it 0.53).
"""
import argparse
import gzip
import math
import os
import struct
import time

import numpy as np
import torch
from torch import nn

SIGMA_DATA = 0.5


def read_images(folder, count):
    """The first `count` training images, (count, 1, 28, 28) in [-1, 1]."""
    path = os.path.join(folder, "train-images-idx3-ubyte.gz")
    with gzip.open(path, "rb") as f:
        magic, n, h, w = struct.unpack(">IIII", f.read(16))
        if magic != 2051:
            raise SystemExit(f"{path}: not an IDX image file")
        count = min(count, n)
        data = np.frombuffer(f.read(count * h * w), dtype=np.uint8)
    x = data.reshape(count, 1, h, w).astype(np.float32) / 127.5 - 1
    return torch.from_numpy(x)


class Block(nn.Module):
    """Two 3 × 3 convolutions with GroupNorm, SiLU and the noise as a bias."""

    def __init__(self, c_in, c_out, embed):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1)
        self.norm1 = nn.GroupNorm(8, c_out)
        self.norm2 = nn.GroupNorm(8, c_out)
        self.noise = nn.Linear(embed, c_out)
        self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()
        self.act = nn.SiLU()

    def forward(self, x, e):
        h = self.act(self.norm1(self.conv1(x)))
        h = h + self.noise(e)[:, :, None, None]
        h = self.act(self.norm2(self.conv2(h)))
        return h + self.skip(x)


class UNet(nn.Module):
    """28 → 14 → 7 and back, skip connections, no attention."""

    def __init__(self, width=32, embed=64):
        super().__init__()
        w = width
        self.embed = nn.Sequential(nn.Linear(16, embed), nn.SiLU(), nn.Linear(embed, embed))
        self.inc = nn.Conv2d(1, w, 3, padding=1)
        self.d1 = Block(w, w, embed)
        self.d2 = Block(w, 2 * w, embed)
        self.mid = Block(2 * w, 2 * w, embed)
        self.u2 = Block(4 * w, w, embed)
        self.u1 = Block(2 * w, w, embed)
        self.out = nn.Conv2d(w, 1, 3, padding=1)
        self.pool = nn.AvgPool2d(2)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.register_buffer("freqs", torch.exp(torch.linspace(0, math.log(1000), 8)))

    def forward(self, x, c_noise):
        f = c_noise[:, None] * self.freqs[None, :]
        e = self.embed(torch.cat([torch.sin(f), torch.cos(f)], dim=1))
        h0 = self.inc(x)
        h1 = self.d1(h0, e)                   # 28
        h2 = self.d2(self.pool(h1), e)        # 14
        m = self.mid(self.pool(h2), e)        # 7
        u2 = self.u2(torch.cat([self.up(m), h2], dim=1), e)
        u1 = self.u1(torch.cat([self.up(u2), h1], dim=1), e)
        return self.out(u1)


class Denoiser(nn.Module):
    """x̂0(y, ρ) for y = x0 + ρ ε (EDM preconditioning): what scores/torchscript
    calls with input = "ve-sigma" (z = x/α, c = σ/α) and output = "denoiser"."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, y, sigma):
        # σ = 0 (a sampler's final denoise) is the identity: c_out = 0, and the
        # network sees a clamped level so that 0 · its output stays 0.
        s = sigma[:, None, None, None]
        c_skip = SIGMA_DATA**2 / (s**2 + SIGMA_DATA**2)
        c_out = s * SIGMA_DATA / torch.sqrt(s**2 + SIGMA_DATA**2)
        c_in = 1 / torch.sqrt(s**2 + SIGMA_DATA**2)  # finite at s = 0
        c_noise = torch.log(torch.clamp(sigma, min=1e-4)) / 4
        return c_skip * y + c_out * self.net(c_in * y, c_noise)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--path", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--count", type=int, default=10, help="training images K")
    ap.add_argument("--minutes", type=float, default=15)
    ap.add_argument("--steps", type=int, default=0, help="stop after this many (0: time)")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--width", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    data = read_images(a.path, a.count)
    model = Denoiser(UNet(a.width))
    opt = torch.optim.Adam(model.parameters(), lr=2e-4)
    start, step, ema = time.time(), 0, None
    while True:
        if a.steps and step >= a.steps:
            break
        if not a.steps and time.time() - start > 60 * a.minutes:
            break
        x0 = data[torch.randint(len(data), (a.batch,))]
        sigma = torch.exp(torch.randn(a.batch) * 1.2 - 1.2)
        y = x0 + sigma[:, None, None, None] * torch.randn_like(x0)
        weight = (sigma**2 + SIGMA_DATA**2) / (sigma * SIGMA_DATA) ** 2
        loss = (weight[:, None, None, None] * (model(y, sigma) - x0) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        ema = loss.item() if ema is None else 0.99 * ema + 0.01 * loss.item()
        if step % 200 == 0:
            print(f"step {step} loss {ema:.4f} ({time.time() - start:.0f} s)", flush=True)
    model.eval()
    example = (torch.zeros(2, 1, 28, 28), torch.ones(2))
    traced = torch.jit.trace(model, example)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    traced.save(a.out)
    print(f"saved {a.out} after {step} steps ({time.time() - start:.0f} s), "
          f"K = {len(data)}, width {a.width}")


if __name__ == "__main__":
    main()

"""PyTorch peer of bench/mlp.c: the same denoiser as scores/mlp, trained and
evaluated on the CPU. EDM preconditioning (Karras et al. 2022, arXiv:2206.00364,
Table 1), input [c_in x, cos/sin(omega_k c_noise)] with omega_k = 32^(k/(h-1)),
depth SiLU layers of `width`, a linear output; loss mean (F - (x0 - c_skip x)/c_out)^2
(lambda c_out^2 = 1), ln sigma ~ N(-1.2, 1.2^2), Adam(lr 1e-3, betas 0.9, 0.999,
eps 1e-8), minibatches drawn with replacement from K = 4096 N(0, I) rows.
Training: samples/s = steps * batch / seconds; sampling: rows/s of the forward
pass over 20 calls on `batch` states (torch.no_grad); each the best of 3. Thread count: argv[1]
(torch.set_num_threads), as bench/mlp.sh gives OpenBLAS. Prints `key value` lines."""
import math
import sys
import time

import torch

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
torch.set_num_threads(threads)
torch.manual_seed(1)

CONFIGS = [("small", 32, 256, 3, 256, 200), ("image", 784, 512, 3, 128, 40)]
EMBED, K, CALLS = 16, 4096, 20
P_MEAN, P_STD = -1.2, 1.2


def embed(c_noise):
    h = EMBED // 2
    omega = 32.0 ** (torch.arange(h, dtype=torch.float32) / (h - 1))
    a = c_noise[:, None] * omega[None, :]
    return torch.stack([torch.cos(a), torch.sin(a)], dim=2).reshape(len(c_noise), -1)


def network(dim, width, depth):
    layers, fan_in = [], dim + EMBED
    for _ in range(depth):
        layers += [torch.nn.Linear(fan_in, width), torch.nn.SiLU()]
        fan_in = width
    layers.append(torch.nn.Linear(fan_in, dim))
    return torch.nn.Sequential(*layers)


for name, dim, width, depth, batch, steps in CONFIGS:
    train = torch.randn(K, dim)
    sd = float(train.std())
    train_s = sample_s = float("inf")
    for rep in range(3):
        net = network(dim, width, depth)
        opt = torch.optim.Adam(net.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
        t0 = time.perf_counter()
        for step in range(steps):
            x0 = train[torch.randint(0, K, (batch,))]
            sigma = torch.exp(P_MEAN + P_STD * torch.randn(batch))
            x = x0 + sigma[:, None] * torch.randn(batch, dim)
            s2 = sigma**2 + sd**2
            c_skip, c_out, c_in = sd**2 / s2, sigma * sd / s2.sqrt(), 1 / s2.sqrt()
            inp = torch.cat([c_in[:, None] * x, embed(0.25 * torch.log(sigma))], dim=1)
            target = (x0 - c_skip[:, None] * x) / c_out[:, None]
            loss = ((net(inp) - target) ** 2).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        train_s = min(train_s, time.perf_counter() - t0)
        x = torch.randn(batch, dim)
        t0 = time.perf_counter()
        with torch.no_grad():
            for k in range(CALLS):
                sigma = 0.5 + 0.1 * k
                s2 = sigma**2 + sd**2
                c = torch.full((batch,), 0.25 * math.log(sigma))
                inp = torch.cat([x / math.sqrt(s2), embed(c)], dim=1)
                out = sd**2 / s2 * x + sigma * sd / math.sqrt(s2) * net(inp)
        sample_s = min(sample_s, time.perf_counter() - t0)
    print(f"torch {name} N={dim} width={width} depth={depth} batch={batch} "
          f"threads={threads} train_samples_per_s {steps * batch / train_s:.0f} "
          f"denoise_rows_per_s {CALLS * batch / sample_s:.0f}")

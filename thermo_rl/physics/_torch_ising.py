"""Checkerboard Metropolis for the 2D Ising model in PyTorch (CUDA when present, CPU otherwise).

``R`` lattices ``(R, L, L)`` (float32, +-1) are updated at once: each half sweep
computes every neighbour sum with ``torch.roll``, the flip probability
``min(1, exp(-beta dE))``, ``dE = 2 s (J nb + h)`` (the Metropolis rule of
:func:`thermo_rl._metropolis.metropolis_accept`, vectorized), and flips the sites
of one colour where a uniform draw falls below it. Seeded by a ``torch.Generator``
on the device. Import is lazy: torch is an optional dependency.
"""

from __future__ import annotations

import time

import numpy as np

from .._progress import progress_bar
from .._rng import seed_int
from .._validation import check_int
from ..errors import UserError


def _torch():
    try:
        import torch
    except ImportError:  # pragma: no cover
        raise UserError("device 'cuda'/'torch' needs PyTorch (pip install torch)") from None
    return torch


def checkerboard_masks(L, device):
    torch = _torch()
    ii, jj = torch.meshgrid(torch.arange(L, device=device), torch.arange(L, device=device),
                            indexing="ij")
    black = ((ii + jj) % 2 == 0)
    return black, ~black


def sweeps(spins, beta, J, h, n, gen, masks, measure=True):
    """``n`` sweeps of ``spins`` (R, L, L) in place; return (bonds, mags) tensors (n, R)."""
    torch = _torch()
    bonds, mags = [], []
    for _ in range(n):
        for mask in masks:
            nb = (torch.roll(spins, 1, 1) + torch.roll(spins, -1, 1)
                  + torch.roll(spins, 1, 2) + torch.roll(spins, -1, 2))
            dE = 2.0 * spins * (J * nb + h)
            p = torch.exp(-beta * dE.clamp(min=0.0))
            u = torch.rand(spins.shape, generator=gen, device=spins.device)
            spins.mul_(torch.where(mask & (u < p), -1.0, 1.0))
        if measure:
            bonds.append((spins * (torch.roll(spins, 1, 1) + torch.roll(spins, 1, 2))).sum((1, 2)))
            mags.append(spins.sum((1, 2)))
    if not measure:
        return None, None
    return torch.stack(bonds), torch.stack(mags)


def simulate_torch(model, T, *, sweeps: int, burn_in: int, seed, start, device: str,
                   replicas: int, progress: bool):
    """The PyTorch path of :func:`thermo_rl.physics.ising.simulate` (replicas pooled)."""
    from ._results import SimulationResult, summarize
    from .exact import TC

    torch = _torch()
    if device == "cuda" and not torch.cuda.is_available():
        raise UserError("device='cuda' asked for but torch.cuda.is_available() is False")
    R = check_int(replicas, "replicas", low=1)
    L, J, h = model.L, model.J, model.h
    beta = 1.0 / T
    gen = torch.Generator(device=device)
    gen.manual_seed(seed_int(seed))
    if start is None:
        start = "ordered" if T < TC * abs(J) else "random"
    if start == "ordered":          # all +1, or the Neel state of an antiferromagnet
        spins = torch.ones((R, L, L), device=device)
        if J < 0:
            i = torch.arange(L, device=device)
            spins = spins * torch.where((i[:, None] + i[None, :]) % 2 == 0, 1.0, -1.0)
    else:
        spins = torch.where(torch.rand((R, L, L), generator=gen, device=device) < 0.5, -1.0, 1.0)
    masks = checkerboard_masks(L, device)
    sweeps_fn = globals()["sweeps"]
    sweeps_fn(spins, beta, J, h, burn_in, gen, masks, measure=False)
    if device == "cuda":
        torch.cuda.synchronize()
    chunks = np.diff(np.linspace(0, sweeps, min(sweeps, 20) + 1).astype(int))
    bs, ms = [], []
    t0 = time.perf_counter()
    for n in progress_bar(chunks, desc=f"ising/torch T={T:.3f}", progress=progress):
        b, m = sweeps_fn(spins, beta, J, h, int(n), gen, masks)
        bs.append(b.cpu().numpy())
        ms.append(m.cpu().numpy())
    seconds = time.perf_counter() - t0
    b = np.concatenate(bs).T.reshape(-1).astype(np.float64)     # replica after replica
    m = np.concatenate(ms).T.reshape(-1).astype(np.float64)
    N = L * L
    e = (-J * b - h * m) / N
    return SimulationResult("ising", L, T, f"metropolis/torch-{device}", sweeps, burn_in,
                            summarize(e, m / N, N, beta), e, m / N,
                            spins[0].to(torch.int8).cpu().numpy(), seconds,
                            sweeps * N * R / (seconds * 1e9), {"replicas": R}, seed=seed)

"""Diversity and success metrics, written once for NumPy arrays and torch tensors.

The functions use the Python array API (through ``array_api_compat``), so the
same code measures a bandit policy (NumPy) and a language model's next-token
distribution (torch, with autograd). Logs are natural, entropies in nats.

Examples
--------
>>> import numpy as np
>>> from thermo_rl.metrics import entropy, effective_modes, pass_at_k
>>> float(entropy(np.array([0.5, 0.5])))  # ln 2
0.6931471805599453
>>> float(effective_modes(np.array([0.25, 0.25, 0.25, 0.25])))
4.0
>>> float(pass_at_k(n=10, c=1, k=5))
0.5
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
from array_api_compat import array_namespace

from .errors import UserError

__all__ = [
    "coverage",
    "distinct_n",
    "effective_modes",
    "entropy",
    "entropy_from_log_probs",
    "entropy_from_logits",
    "kl_divergence",
    "log_softmax",
    "pass_at_k",
    "softmax",
]


def _xp(*arrays):
    arrays = [a for a in arrays if not isinstance(a, (int, float))]
    if not arrays:
        return array_namespace(np.asarray(0.0))
    return array_namespace(*arrays)


def _as_array(x):
    """Lists and scalars become NumPy arrays; NumPy arrays and torch tensors pass through."""
    if isinstance(x, (list, tuple, int, float)):
        return np.asarray(x, dtype=np.float64)
    return x


def log_softmax(logits, axis: int = -1):
    """``log softmax(logits)`` along ``axis``, stable for logits of any size."""
    logits = _as_array(logits)
    xp = _xp(logits)
    z = logits - xp.max(logits, axis=axis, keepdims=True)
    return z - xp.log(xp.sum(xp.exp(z), axis=axis, keepdims=True))


def softmax(logits, axis: int = -1):
    """``softmax(logits)`` along ``axis``: the Boltzmann policy exp(z) / sum exp(z)."""
    logits = _as_array(logits)
    xp = _xp(logits)
    return xp.exp(log_softmax(logits, axis=axis))


def entropy(p, axis: int = -1):
    """Shannon entropy ``-sum p ln p`` (nats) along ``axis``; ``0 ln 0 = 0``.

    Gradients stay finite where ``p = 0`` (the zero terms are masked before the log).
    """
    p = _as_array(p)
    xp = _xp(p)
    safe = xp.where(p > 0, p, xp.ones_like(p))
    return -xp.sum(p * xp.log(safe), axis=axis)


def entropy_from_log_probs(logp, axis: int = -1):
    """Entropy ``-sum exp(logp) logp`` (nats) of normalized log-probabilities ``logp``."""
    logp = _as_array(logp)
    xp = _xp(logp)
    return -xp.sum(xp.exp(logp) * logp, axis=axis)


def entropy_from_logits(logits, axis: int = -1):
    """Entropy (nats) of ``softmax(logits)``, computed from log-probabilities."""
    return entropy_from_log_probs(log_softmax(logits, axis=axis), axis=axis)


def kl_divergence(p, q, axis: int = -1):
    """``KL(p || q) = sum p ln(p/q)`` (nats); ``inf`` where ``q = 0 < p``."""
    p, q = _as_array(p), _as_array(q)
    xp = _xp(p, q)
    safe_p = xp.where(p > 0, p, xp.ones_like(p))
    safe_q = xp.where(q > 0, q, xp.ones_like(q))
    terms = xp.where(p > 0, p * (xp.log(safe_p) - xp.log(safe_q)), xp.zeros_like(p))
    out = xp.sum(terms, axis=axis)
    bad = xp.any((p > 0) & (q <= 0), axis=axis)
    return xp.where(bad, xp.full_like(out, math.inf), out)


def effective_modes(p, axis: int = -1):
    """Effective number of modes ``exp(H(p))``: 1 for a point mass, n for uniform over n."""
    p = _as_array(p)
    xp = _xp(p)
    return xp.exp(entropy(p, axis=axis))


def coverage(p, good: Sequence[int], *, threshold: float | None = None, axis: int = -1):
    """Fraction of the equally good states that keep a share of probability.

    Parameters
    ----------
    p : array (..., n)
        Probabilities (or counts; they are normalized along ``axis``).
    good : sequence of int, or boolean array (..., n)
        Indices of the m equally good states, or a mask of them along the last axis
        (one good set per row, e.g. per bandit run; then ``axis`` must be -1).
    threshold : float, optional
        A good state counts as covered when its share is at least ``threshold``.
        Default ``0.1 / m``: a policy collapsed onto one of the m good states has
        coverage 1/m, the free-energy optimum (equal shares) has coverage 1.
        With counts of samples use ``threshold=0`` ... ``1e-12`` to count states seen.

    Returns
    -------
    array (...)
        Coverage in [1/m, 1] for a policy concentrated on the good set, 0 if none is covered.
    """
    p = _as_array(p)
    xp = _xp(p)
    if hasattr(good, "dtype") and str(good.dtype) in ("bool", "torch.bool"):
        if axis not in (-1, p.ndim - 1):
            raise UserError("a boolean good mask needs axis=-1")
        mask = good
        m = xp.sum(xp.astype(mask, p.dtype), axis=-1)
        if bool(xp.any(m == 0)):
            raise UserError("good must mark at least one state in every row")
        shares = p / xp.sum(p, axis=-1, keepdims=True)
        thr = 0.1 / m if threshold is None else xp.full_like(m, float(threshold))
        covered = mask & ((shares > thr[..., None]) if threshold == 0
                          else (shares >= thr[..., None]))
        return xp.sum(xp.astype(covered, p.dtype), axis=-1) / m
    idx = list(good)
    if len(idx) == 0:
        raise UserError("good must name at least one state")
    n = p.shape[axis]
    if min(idx) < 0 or max(idx) >= n:
        raise UserError(f"good indices must lie in [0, {n}), got {idx}")
    m = len(idx)
    thr = 0.1 / m if threshold is None else float(threshold)
    total = xp.sum(p, axis=axis, keepdims=True)
    shares = p / total
    moved = xp.moveaxis(shares, axis, -1) if hasattr(xp, "moveaxis") else shares
    sel = xp.take(moved, xp.asarray(idx), axis=moved.ndim - 1) if moved.ndim > 0 else moved
    covered = sel > thr if thr == 0 else sel >= thr
    return xp.sum(xp.astype(covered, moved.dtype), axis=-1) / m


def pass_at_k(n, c, k):
    """Unbiased pass@k estimator of Chen et al. (2021, "Evaluating Large Language
    Models Trained on Code"): ``1 - C(n-c, k) / C(n, k)``.

    ``n`` samples were drawn, ``c`` of them correct; the estimate is the chance that
    at least one of ``k`` samples drawn without replacement is correct. Computed as
    ``1 - prod_{i=n-c+1}^{n} (1 - k/i)``, stable for large n. Broadcasts over arrays.
    """
    n_a, c_a = np.broadcast_arrays(np.asarray(n), np.asarray(c))
    if np.any(n_a < 1) or np.any(c_a < 0) or np.any(c_a > n_a):
        raise UserError("pass_at_k needs n >= 1 and 0 <= c <= n")
    if not (isinstance(k, (int, np.integer)) and 1 <= k):
        raise UserError(f"k must be a positive integer, got {k!r}")
    if np.any(k > n_a):
        raise UserError(f"k = {k} exceeds the number of samples n")
    out = np.empty(n_a.shape, dtype=np.float64)
    for ix in np.ndindex(n_a.shape):
        ni, ci = int(n_a[ix]), int(c_a[ix])
        if ni - ci < k:
            out[ix] = 1.0
        else:
            out[ix] = 1.0 - float(np.prod(1.0 - k / np.arange(ni - ci + 1, ni + 1)))
    return out if out.ndim else out[()]


def distinct_n(sequences: Iterable[Sequence], n: int = 1) -> float:
    """Distinct-n (Li et al., 2016): distinct n-grams over all n-grams in the samples.

    ``sequences`` are token lists (or strings, taken character by character).
    Returns a value in (0, 1]; 0.0 when there is no n-gram at all.
    """
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise UserError(f"n must be a positive integer, got {n!r}")
    grams = []
    for s in sequences:
        s = list(s)
        grams.extend(tuple(s[i:i + n]) for i in range(len(s) - n + 1))
    return len(set(grams)) / len(grams) if grams else 0.0

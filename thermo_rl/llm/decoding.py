r"""Decoding filters: which tokens a sampler may draw, and sampling from what is left.

A decoding method reshapes the next-token distribution ``p = softmax(z / T)`` before
a token is drawn: it removes tokens (their logits become ``-inf``) and the sampler
draws from the renormalized rest. In the package's language, ``T`` is the
temperature of a Boltzmann distribution over tokens with energies ``-z``; the
truncations below cut its tail, which lowers the entropy of what is generated and
trades diversity for correctness (see :mod:`thermo_rl.llm.frontier`).

Rules, on ``p = softmax(z / T)`` sorted from the most to the least probable token
(``p_(1) >= p_(2) >= ...``):

temperature ``T`` (>= 0, ``inf`` allowed)
    ``z / T``. ``T = 0`` is greedy: only the most probable token(s) stay; ``T = inf``
    is uniform over the tokens whose logit is finite.
top-k ``k`` (Fan et al., 2018)
    Keep the ``k`` most probable tokens.
top-p ``P`` in (0, 1] (nucleus sampling, Holtzman et al., 2020)
    Keep the shortest prefix ``p_(1..m)`` whose cumulative probability is ``>= P``.
min-p ``X`` in [0, 1] (Nguyen et al., 2024, "Turning Up the Heat: Min-p Sampling")
    Keep the tokens with ``p_i >= X max_j p_j``.
top-h ``A`` in (0, 1] (Potraghloo et al., 2025; ``A`` about 0.4)
    ("Top-H Decoding: Adapting the Creativity and Coherence with Bounded Entropy in
    Text Generation".) Keep the longest prefix ``p_(1..m)`` with
    ``-sum_{i<=m} p_(i) ln p_(i) <= A H(p)``, ``H(p)`` the entropy (nats) of the whole
    distribution.

Conventions, the same in every rule:

* **The most probable token is never removed** (nor the tokens tied with it).
* **Ties at the boundary are kept.** Two tokens are tied when their logits are equal.
  Once a rule has decided its last kept token (the ``k``-th for top-k, the ``m``-th
  for top-p and top-h), every token whose logit equals that token's logit is kept
  too, so the result never depends on how a sort orders equal values. This is what
  transformers' ``TopKLogitsWarper`` does (it removes ``z < z_(k)``); its top-p and
  top-h warpers instead cut inside a group of tied tokens wherever the sort put it
  (the cross-checks in ``tests/llm/test_decoding_hf.py`` show the conversion). With
  ties kept, top-k may keep more than ``k`` tokens, and top-h may keep tokens whose
  entropy terms push the sum past ``A H(p)``.
* **Composition in transformers' order** (``GenerationMixin._get_logits_processor``,
  transformers 5.24): temperature, then top-h, top-k, top-p, min-p. Each rule
  acts on the renormalized distribution the previous one left (for example top-p
  after top-k accumulates the probabilities renormalized over the ``k`` tokens).
* A rule at its no-op value (``top_k >= V``, ``top_p = 1``, ``min_p = 0``,
  ``top_h = 1``) keeps every token; ``None`` switches a rule off.
* Tokens whose logit is already ``-inf`` stay removed; at least one logit of every
  row must be finite.

Examples
--------
>>> import torch
>>> z = torch.log(torch.tensor([0.5, 0.2, 0.2, 0.1]))
>>> filter_logits(z, top_p=0.6)           # 0.5 < 0.6 <= 0.7; the tie 0.2 = 0.2 is kept
tensor([-0.6931, -1.6094, -1.6094,    -inf])
>>> filter_logits(z, top_k=1)
tensor([-0.6931,    -inf,    -inf,    -inf])
>>> filter_logits(z, min_p=0.3)           # p_i >= 0.15
tensor([-0.6931, -1.6094, -1.6094,    -inf])
>>> parse_decoding("temperature:0.8,top-p:0.9")
{'temperature': 0.8, 'top_p': 0.9}
>>> format_decoding({'temperature': 0.8, 'top_p': 0.9})
'temperature:0.8,top-p:0.9'
"""

from __future__ import annotations

import math

import numpy as np

from .._validation import check_int, check_real, check_temperature
from ..errors import UserError, UserTypeError
from ._torch import require_torch

torch = require_torch()

__all__ = ["DECODING_METHODS", "as_generator", "check_decoding", "draw", "filter_logits",
           "format_decoding", "parse_decoding", "sample"]

#: Method names of :func:`parse_decoding` (``greedy`` takes no value: it is
#: ``temperature:0``), in the order the filters are applied.
DECODING_METHODS = ("greedy", "temperature", "top-h", "top-k", "top-p", "min-p")

_KEYS = {"temperature": "temperature", "top-h": "top_h", "top-k": "top_k", "top-p": "top_p",
         "min-p": "min_p"}
_ORDER = ("temperature", "top_h", "top_k", "top_p", "min_p")
_RANGES = {"temperature": "0 (greedy), a temperature >= 1e-6, or inf (uniform)",
           "top_k": "an integer >= 1", "top_p": "a probability in (0, 1]",
           "min_p": "a number in [0, 1]", "top_h": "a fraction in (0, 1]"}


#: The smallest positive temperature (z / T of float32 logits stays finite above it).
MIN_TEMPERATURE = 1e-6


def check_decoding(*, temperature=1.0, top_k=None, top_p=None, min_p=None, top_h=None) -> dict:
    """Validate decoding settings and return them as a dict of Python numbers.

    Raises ``ValueError``/``TypeError`` naming the argument. ``None`` switches a
    filter off (``temperature=None`` means 1).

    Examples
    --------
    >>> check_decoding(top_k=5, top_p=0.9)
    {'temperature': 1.0, 'top_k': 5, 'top_p': 0.9, 'min_p': None, 'top_h': None}
    """
    temperature = 1.0 if temperature is None else check_temperature(
        temperature, "temperature", allow_zero=True, allow_inf=True)
    if 0.0 < temperature < MIN_TEMPERATURE:
        raise UserError(f"temperature must be 0 (greedy) or >= {MIN_TEMPERATURE:g}: below "
                        f"that z / T overflows; got {temperature:g}")
    if top_k is not None:
        top_k = check_int(top_k, "top_k", low=1)
    if top_p is not None:
        top_p = check_real(top_p, "top_p", low=0.0, high=1.0, low_open=True)
    if min_p is not None:
        min_p = check_real(min_p, "min_p", low=0.0, high=1.0)
    if top_h is not None:
        top_h = check_real(top_h, "top_h", low=0.0, high=1.0, low_open=True)
    return {"temperature": temperature, "top_k": top_k, "top_p": top_p, "min_p": min_p,
            "top_h": top_h}


def _as_tensor(logits):
    """(tensor, was_numpy); checks a floating array with a last axis and a finite max per row."""
    was_numpy = isinstance(logits, np.ndarray)
    z = torch.from_numpy(logits) if was_numpy else logits
    if not isinstance(z, torch.Tensor):
        raise UserTypeError(f"logits must be a torch tensor or a NumPy array, got "
                        f"{type(logits).__name__}")
    if not z.is_floating_point():
        raise UserTypeError(f"logits must have a floating dtype, got {z.dtype}")
    if z.ndim == 0 or z.shape[-1] == 0:
        raise UserError(f"logits must have a non-empty last axis (the vocabulary), got shape "
                         f"{tuple(z.shape)}")
    if z.numel() and not bool(torch.isfinite(z.amax(dim=-1)).all()):
        raise UserError("logits must not contain NaN or +inf, and every row needs at least "
                         "one finite logit")
    return z, was_numpy


def _keep_ties(z, zs, m):
    """Keep every token whose logit is >= the m-th largest (``zs`` sorted descending)."""
    boundary = zs.gather(-1, (m - 1).unsqueeze(-1))               # (..., 1)
    return z >= boundary


def _apply_temperature(z, T):
    if T == 1.0:
        return z
    if T == 0.0:                                                  # greedy: the tied maxima
        return z.masked_fill(z < z.amax(dim=-1, keepdim=True), -math.inf)
    if math.isinf(T):                                             # uniform over finite logits
        return torch.where(torch.isfinite(z), torch.zeros_like(z), z)
    return z / T


def _top_k(z, k):
    if k >= z.shape[-1]:
        return z
    kth = torch.topk(z, k, dim=-1).values[..., -1:]              # (..., 1)
    return z.masked_fill(z < kth, -math.inf)


def _top_p(z, top_p):
    if top_p >= 1.0:
        return z
    zs, _ = torch.sort(z, dim=-1, descending=True)
    ps = torch.softmax(zs, dim=-1)
    cum = torch.cumsum(ps, dim=-1)
    before = torch.cat((torch.zeros_like(cum[..., :1]), cum[..., :-1]), dim=-1)  # mass ahead
    m = (before < top_p).sum(dim=-1).clamp_min(1)                 # shortest prefix >= top_p
    return z.masked_fill(~_keep_ties(z, zs, m), -math.inf)


def _min_p(z, min_p):
    if min_p <= 0.0:
        return z
    p = torch.softmax(z, dim=-1)
    return z.masked_fill(p < min_p * p.amax(dim=-1, keepdim=True), -math.inf)


def _top_h(z, top_h):
    if top_h >= 1.0:
        return z
    zs, _ = torch.sort(z, dim=-1, descending=True)
    ps = torch.softmax(zs, dim=-1)
    cum = torch.cumsum(-torch.special.xlogy(ps, ps), dim=-1)     # entropy of the prefix
    tau = top_h * cum[..., -1:]                                   # top_h * H(p)
    m = (cum <= tau).sum(dim=-1).clamp_min(1)                     # cum is nondecreasing
    return z.masked_fill(~_keep_ties(z, zs, m), -math.inf)


def filter_logits(logits, *, temperature=1.0, top_k=None, top_p=None, min_p=None, top_h=None):
    """Apply temperature and truncation filters to next-token logits.

    Parameters
    ----------
    logits : torch tensor or NumPy array, shape (..., V)
        Unnormalized log-probabilities over a vocabulary of V tokens; any leading
        (batch) dimensions, each row filtered on its own. ``-inf`` marks a token
        that is already excluded.
    temperature : float, default 1
        ``T >= 0``; the logits are divided by it first. 0 is greedy, ``inf`` uniform.
    top_k : int, optional
        Keep the ``top_k`` most probable tokens (ties at the boundary kept).
    top_p : float in (0, 1], optional
        Keep the shortest most-probable prefix with cumulative probability ``>= top_p``.
    min_p : float in [0, 1], optional
        Keep the tokens with probability ``>= min_p`` times the largest one.
    top_h : float in (0, 1], optional
        Keep the longest most-probable prefix whose entropy terms
        ``-sum p_i ln p_i`` stay ``<= top_h H(p)``.

    Returns
    -------
    same type as ``logits``, shape (..., V)
        The tempered logits ``z / T`` where a token is kept, ``-inf`` where it is
        removed (at ``T = 0``: the original logits of the tied maxima; at
        ``T = inf``: 0). ``softmax`` of it is the distribution the sampler draws from.

    Notes
    -----
    The filters run in transformers' order: temperature, top-h, top-k, top-p, min-p,
    each on the distribution the previous one left. The most probable token is never
    removed, and tokens tied (equal logits) with the last kept one are kept; see the
    module docstring.

    Examples
    --------
    >>> import torch
    >>> z = torch.tensor([[2.0, 1.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    >>> filter_logits(z, top_k=2)             # ties at the boundary are kept
    tensor([[2., 1., 1., -inf],
            [0., 0., 0., 0.]])
    >>> filter_logits(z, temperature=0)       # greedy
    tensor([[2., -inf, -inf, -inf],
            [0., 0., 0., 0.]])
    """
    s = check_decoding(temperature=temperature, top_k=top_k, top_p=top_p, min_p=min_p,
                       top_h=top_h)
    z, was_numpy = _as_tensor(logits)
    z = _filter(z, s)
    return z.numpy() if was_numpy else z


def _filter(z, s: dict):
    """:func:`filter_logits` on a tensor with settings ``s`` already checked by
    :func:`check_decoding` (no checks, no host synchronization: the sampler's inner loop)."""
    z = _apply_temperature(z, s["temperature"])
    if s["top_h"] is not None:
        z = _top_h(z, s["top_h"])
    if s["top_k"] is not None:
        z = _top_k(z, s["top_k"])
    if s["top_p"] is not None:
        z = _top_p(z, s["top_p"])
    if s["min_p"] is not None:
        z = _min_p(z, s["min_p"])
    return z


def as_generator(generator, device):
    """A ``torch.Generator`` on ``device`` from a generator, a seed or a NumPy Generator
    (seeded from it: the same seed gives the same tokens), or ``None`` (torch's global one)."""
    if generator is None or isinstance(generator, torch.Generator):
        return generator
    from .._rng import seed_int

    return torch.Generator(device=device).manual_seed(seed_int(generator))


def draw(logits, settings: dict, generator=None):
    """One sampling step with its scores: ``(tokens, logp, entropy)``, each of shape (N,).

    ``logits`` (N, V) (any float dtype; the step runs in float32, or float64 for float64
    logits); ``settings`` a dict from :func:`check_decoding`. The distribution sampled
    is ``q = softmax(filter_logits(logits, **settings))``, taken from ONE
    ``log_softmax``: ``tokens ~ q`` (``torch.multinomial`` on ``exp(ln q)``, one draw
    per row from ``generator``), ``logp = ln q(token)`` and ``entropy = -sum q ln q``
    (nats; removed tokens contribute 0). No host synchronization.
    """
    z = _filter(logits if logits.dtype in (torch.float32, torch.float64) else logits.float(),
                settings)
    logq = torch.log_softmax(z, dim=-1)                                   # (N, V)
    q = logq.exp()
    if q.shape[0] == 0:
        tok = torch.zeros(0, dtype=torch.int64, device=z.device)
    else:
        tok = torch.multinomial(q, 1, generator=generator)[:, 0]           # (N,)
    logp = logq.gather(-1, tok[:, None])[:, 0]
    entropy = -(q * torch.nan_to_num(logq, neginf=0.0)).sum(-1)
    return tok, logp, entropy


def sample(logits, *, generator=None, **filters):
    """Draw one token per row from ``softmax(filter_logits(logits, **filters))``.

    Parameters
    ----------
    logits : torch tensor or NumPy array, shape (..., V)
    generator : torch.Generator, int, numpy Generator or None
        The randomness: a ``torch.Generator`` on the logits' device, or a seed /
        NumPy Generator (a ``torch.Generator`` is seeded from it, so the same seed
        gives the same tokens), or ``None`` for torch's global generator.
    **filters
        ``temperature``, ``top_k``, ``top_p``, ``min_p``, ``top_h`` of
        :func:`filter_logits`.

    Returns
    -------
    int64 tensor (or NumPy array for NumPy logits), shape (...)
        Token indices.

    Examples
    --------
    >>> import torch
    >>> z = torch.tensor([[0.0, 5.0, 1.0], [3.0, 0.0, 3.0]])
    >>> sample(z, temperature=0, generator=0)[0].item()
    1
    >>> sample(z, top_k=2, generator=0).shape
    torch.Size([2])
    """
    s = check_decoding(**filters)
    z, was_numpy = _as_tensor(logits)
    generator = as_generator(generator, z.device)
    idx = draw(z.reshape(-1, z.shape[-1]), s, generator)[0].reshape(z.shape[:-1])
    return idx.numpy() if was_numpy else idx


def _format_value(v) -> str:
    if isinstance(v, float) and v.is_integer() and not math.isinf(v):
        return str(int(v)) if abs(v) < 1e15 else repr(v)
    return str(v)


def parse_decoding(spec: str) -> dict:
    """Parse a decoding spec of the command line into :func:`filter_logits` arguments.

    ``spec`` is one or more ``METHOD:VALUE`` items joined by commas, with
    ``METHOD`` one of ``temperature``, ``top-k``, ``top-p``, ``min-p``, ``top-h``
    (``greedy`` alone means ``temperature:0``). An empty spec (or ``sample``)
    means plain sampling at temperature 1.

    Raises
    ------
    ValueError
        With a one-line message naming the bad item.

    Examples
    --------
    >>> parse_decoding("top-p:0.9")
    {'top_p': 0.9}
    >>> parse_decoding("greedy")
    {'temperature': 0.0}
    >>> parse_decoding("top-k:4,temperature:0.7")
    {'temperature': 0.7, 'top_k': 4}
    """
    if not isinstance(spec, str):
        raise UserTypeError(f"decoding must be a string such as 'top-p:0.9', got {spec!r}")
    out: dict = {}
    text = spec.strip()
    if text in ("", "sample"):
        return out
    for item in text.split(","):
        item = item.strip()
        name, sep, value = item.partition(":")
        name = name.strip().lower()
        if name == "greedy" and not sep:
            name, value = "temperature", "0"
        elif name not in _KEYS:
            raise UserError(f"unknown decoding method {name!r} in {spec!r}; expected "
                             f"METHOD:VALUE with METHOD one of: {', '.join(DECODING_METHODS)}")
        elif not sep or not value.strip():
            raise UserError(f"decoding item {item!r} needs a value, as in '{name}:VALUE'")
        key = _KEYS[name]
        if key in out:
            raise UserError(f"decoding {spec!r} sets {name} twice")
        try:
            num = int(value) if key == "top_k" else float(value)
        except ValueError:
            raise UserError(f"decoding item {item!r}: {name} must be "
                             f"{_RANGES[key]}, got {value.strip()!r}") from None
        try:
            check_decoding(**{key: num})
        except (TypeError, ValueError):
            raise UserError(f"decoding item {item!r}: {name} must be "
                             f"{_RANGES[key]}, got {value.strip()!r}") from None
        out[key] = num
    return {k: out[k] for k in _ORDER if k in out}


def format_decoding(settings: dict) -> str:
    """The spec string of :func:`parse_decoding` for a dict of settings (its inverse).

    Filters that are off (``None``) and ``temperature=1`` are left out; no filter at
    all gives ``"sample"``.

    Examples
    --------
    >>> format_decoding({"temperature": 0.0})
    'greedy'
    >>> format_decoding({"top_k": 4, "temperature": 1.0})
    'top-k:4'
    """
    s = check_decoding(**settings)
    names = {v: k for k, v in _KEYS.items()}
    if s["temperature"] == 0.0:
        return "greedy"
    parts = [f"{names[k]}:{_format_value(s[k])}" for k in _ORDER
             if s[k] is not None and not (k == "temperature" and s[k] == 1.0)]
    return ",".join(parts) or "sample"

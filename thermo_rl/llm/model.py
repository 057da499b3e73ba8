"""A compact GPT, readable in one file (after nanoGPT), with a KV cache for sampling.

Pre-norm transformer blocks (LayerNorm -> causal self-attention -> residual,
LayerNorm -> MLP -> residual), causal scaled-dot-product attention
(``torch.nn.functional.scaled_dot_product_attention``), learned or rotary
positions, and the output projection tied to the token embedding. Shapes in the
comments: B batch, T time, C = n_embd, H heads, D = C / H.

Named sizes (parameters counted with the 18-token character vocabulary):

=======  =======  ======  ======  ============
size     n_layer  n_head  n_embd  parameters
=======  =======  ======  ======  ============
tiny     2        2       64      ~0.1 M
small    4        4       128     ~0.8 M
base     6        8       256     ~4.7 M
=======  =======  ======  ======  ============

The same seed on the same device gives the same weights and the same samples
(initialization and sampling draw from explicit ``torch.Generator`` objects).

Examples
--------
>>> m = build_model("tiny", vocab_size=18, seed=0)
>>> 90_000 < m.num_parameters() < 120_000
True
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import NamedTuple

from .._validation import check_choice, check_int
from ..errors import UserError
from ._torch import autocast, cache_dtype, require_torch, resolve_precision

torch = require_torch()
nn = torch.nn
F = torch.nn.functional

__all__ = ["GPT", "SIZES", "GPTConfig", "Generation", "KVCache", "build_model"]

SIZES = {
    "tiny": {"n_layer": 2, "n_head": 2, "n_embd": 64},
    "small": {"n_layer": 4, "n_head": 4, "n_embd": 128},
    "base": {"n_layer": 6, "n_head": 8, "n_embd": 256},
}


@dataclass(frozen=True)
class GPTConfig:
    """Model hyperparameters (``block_size``: the longest sequence, in tokens)."""

    vocab_size: int
    block_size: int = 16
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    rotary: bool = False

    def __post_init__(self):
        for name in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd"):
            check_int(getattr(self, name), name, low=1)
        if self.n_embd % self.n_head or (self.rotary and (self.n_embd // self.n_head) % 2):
            raise UserError(f"n_embd ({self.n_embd}) must be divisible by n_head "
                             f"({self.n_head}) (and the head size even with rotary positions)")

    def as_dict(self) -> dict:
        return asdict(self)


class KVCache:
    """Keys and values of every layer for a batch being sampled: ``(B, H, T_max, D)`` each.

    ``pos`` is the number of positions filled; :meth:`GPT.forward` appends to it.
    """

    def __init__(self, config: GPTConfig, batch: int, device, dtype, length: int | None = None):
        length = config.block_size if length is None else min(length, config.block_size)
        shape = (config.n_layer, batch, config.n_head, length, config.n_embd // config.n_head)
        self.k = torch.zeros(shape, device=device, dtype=dtype)
        self.v = torch.zeros(shape, device=device, dtype=dtype)
        self.pos = 0

    def expand(self, c: int):
        """Repeat every row ``c`` times in place (row ``i`` becomes rows ``i*c .. i*c+c-1``):
        the children of each node when scoring a tree of continuations."""
        self.k = self.k.repeat_interleave(c, dim=1)
        self.v = self.v.repeat_interleave(c, dim=1)

    def update(self, layer: int, k, v):
        """Write ``k, v`` (B, H, T, D) at ``pos`` and return all keys/values so far."""
        t = k.shape[2]
        self.k[layer, :, :, self.pos:self.pos + t] = k
        self.v[layer, :, :, self.pos:self.pos + t] = v
        return self.k[layer, :, :, :self.pos + t], self.v[layer, :, :, :self.pos + t]


def _rotate(x, cos, sin):
    # x (B, H, T, D); rotate pairs (x1, x2) of the two halves by the position angle
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1)


class CausalSelfAttention(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.n_head = cfg.n_head
        self.qkv = nn.Linear(cfg.n_embd, 3 * cfg.n_embd, bias=False)
        self.proj = nn.Linear(cfg.n_embd, cfg.n_embd, bias=False)

    def forward(self, x, rope=None, cache: KVCache | None = None, layer: int = 0):
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)                     # (B, T, C) each
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
                   for t in (q, k, v))                            # (B, H, T, D)
        if rope is not None:
            q, k = _rotate(q, *rope), _rotate(k, *rope)
        if cache is None or cache.pos == 0:
            if cache is not None:
                cache.update(layer, k, v)
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            k, v = cache.update(layer, k, v)                      # (B, H, pos + T, D)
            mask = None
            if T > 1:                                             # chunk after a prefix
                i = torch.arange(T, device=x.device)[:, None] + cache.pos
                mask = torch.arange(k.shape[2], device=x.device)[None, :] <= i
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.proj(y)


class Block(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.ln1 = nn.LayerNorm(cfg.n_embd)
        self.attn = CausalSelfAttention(cfg)
        self.ln2 = nn.LayerNorm(cfg.n_embd)
        self.fc = nn.Linear(cfg.n_embd, 4 * cfg.n_embd, bias=False)
        self.proj = nn.Linear(4 * cfg.n_embd, cfg.n_embd, bias=False)

    def forward(self, x, rope=None, cache=None, layer=0):
        x = x + self.attn(self.ln1(x), rope, cache, layer)
        return x + self.proj(F.gelu(self.fc(self.ln2(x))))


class GPT(nn.Module):
    """The language model: token ids ``(B, T)`` to next-token logits ``(B, T, V)``."""

    def __init__(self, config: GPTConfig, *, seed: int = 0):
        super().__init__()
        self.config = cfg = config
        self.wte = nn.Embedding(cfg.vocab_size, cfg.n_embd)
        self.wpe = None if cfg.rotary else nn.Embedding(cfg.block_size, cfg.n_embd)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.ln_f = nn.LayerNorm(cfg.n_embd)
        self.head = nn.Linear(cfg.n_embd, cfg.vocab_size, bias=False)
        self.head.weight = self.wte.weight                        # weight tying
        if cfg.rotary:
            d = cfg.n_embd // cfg.n_head
            inv = 1.0 / 10000 ** (torch.arange(0, d, 2, dtype=torch.float32) / d)
            ang = torch.arange(cfg.block_size, dtype=torch.float32)[:, None] * inv[None]
            self.register_buffer("rope_cos", ang.cos(), persistent=False)   # (T_max, D/2)
            self.register_buffer("rope_sin", ang.sin(), persistent=False)
        self.reset_parameters(seed)

    def reset_parameters(self, seed: int = 0):
        """GPT-2 initialization from an explicit generator (reproducible weights)."""
        g = torch.Generator().manual_seed(int(seed))
        resid = 0.02 / math.sqrt(2 * self.config.n_layer)
        with torch.no_grad():
            for name, p in self.named_parameters():
                if name.endswith(("attn.proj.weight", ".proj.weight")):
                    p.copy_(torch.randn(p.shape, generator=g) * resid)
                elif p.dim() >= 2:
                    p.copy_(torch.randn(p.shape, generator=g) * 0.02)
                elif name.endswith("weight"):
                    p.fill_(1.0)
                else:
                    p.zero_()

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def forward(self, idx, cache: KVCache | None = None):
        """Logits ``(B, T, V)`` for token ids ``idx`` ``(B, T)``.

        With a ``cache``, ``idx`` continues the cached sequence at ``cache.pos``
        (the prompt first, then one token at a time) and the cache is extended.
        """
        T = idx.shape[1]
        pos0 = 0 if cache is None else cache.pos
        if pos0 + T > self.config.block_size:
            raise UserError(f"sequence of {pos0 + T} tokens exceeds block_size "
                             f"{self.config.block_size}")
        x = self.wte(idx)                                         # (B, T, C)
        rope = None
        if self.wpe is not None:
            x = x + self.wpe(torch.arange(pos0, pos0 + T, device=idx.device))
        else:
            rope = (self.rope_cos[pos0:pos0 + T].to(x.dtype),          # (T, D/2)
                    self.rope_sin[pos0:pos0 + T].to(x.dtype))
        for i, block in enumerate(self.blocks):
            x = block(x, rope, cache, i)
        if cache is not None:
            cache.pos += T
        return self.head(self.ln_f(x))                            # (B, T, V)

    @torch.no_grad()
    def generate(self, idx, max_new_tokens: int, *, eos_id: int | None = None,
                 pad_id: int = 0, use_cache: bool = True, generator=None,
                 num_samples: int = 1, return_scores: bool = False,
                 precision: str = "fp32", **decoding):
        """Sample ``max_new_tokens`` after the prompts ``idx`` ``(P, T)``.

        Each row stops at its first ``eos_id``; later positions hold ``pad_id``, and
        the loop ends early once every row has stopped. ``decoding`` takes the
        filters of :func:`thermo_rl.llm.decoding.filter_logits` (``temperature``,
        ``top_k``, ``top_p``, ``min_p``, ``top_h``). ``use_cache=False`` recomputes
        the whole sequence at every step (the reference the KV cache is measured
        against in ``thermo-rl bench llm``); both give the same samples.

        Parameters
        ----------
        num_samples : int
            ``G`` completions per prompt. Each prompt is run through the model once
            and its KV cache expanded over its group (:meth:`KVCache.expand`); the
            rows come out prompt-major (row ``p * G + g``), exactly as if ``idx`` had
            been repeated with ``idx.repeat_interleave(G, 0)`` (``np.repeat``): the
            same random stream gives the same tokens.
        return_scores : bool
            Also return, per sampled token, ``logp`` = ``ln q(token)`` and ``entropy``
            = ``-sum q ln q`` (nats) of the distribution it was drawn from,
            ``q = softmax(filter_logits(z, **decoding))`` (the tempered, filtered
            one), from one float32 ``log_softmax`` per step whatever ``precision``
            the forward pass runs in; both 0 after a row's first EOS.
        precision : {"fp32", "bf16", "auto"}
            Of the forward pass and the KV cache
            (:func:`thermo_rl.llm._torch.resolve_precision`). Default fp32 on every
            device: the same precision as the training forward pass, so the policy
            that samples is the policy that is scored.
        generator : torch.Generator, seed or None
            Every step draws one ``torch.multinomial`` sample for each of the ``P*G``
            rows from it (rows that stopped included), until the last step or until
            every row has stopped (checked each step on the CPU, every 8 steps on a
            GPU so the host waits less often).

        Returns
        -------
        tensor (P*G, T + max_new_tokens) of token ids, or with ``return_scores`` a
        :class:`Generation` ``(tokens, logp, entropy)``, the scores float32 (P*G,
        max_new_tokens).

        Examples
        --------
        >>> m = build_model("tiny", vocab_size=18, seed=0).eval()
        >>> x = torch.zeros(2, 3, dtype=torch.long)
        >>> out = m.generate(x, 4, num_samples=3, return_scores=True, generator=0)
        >>> out.tokens.shape, out.logp.shape, bool((out.logp <= 0).all())
        (torch.Size([6, 7]), torch.Size([6, 4]), True)
        """
        from .decoding import as_generator, check_decoding, draw

        max_new_tokens = check_int(max_new_tokens, "max_new_tokens", low=1)
        G = check_int(num_samples, "num_samples", low=1)
        settings = check_decoding(**decoding)
        dev = idx.device
        prec = resolve_precision(precision, dev)
        generator = as_generator(generator, dev)
        P, T = idx.shape
        B = P * G
        out = torch.full((B, T + max_new_tokens), pad_id, dtype=idx.dtype, device=dev)
        out[:, :T] = idx.repeat_interleave(G, 0) if G > 1 else idx
        cache = None
        if use_cache:
            cache = KVCache(self.config, P, dev, cache_dtype(dev, prec),
                            length=T + max_new_tokens - 1)
        with autocast(dev, prec):
            logits = self(idx if use_cache else out[:, :T], cache)[:, -1]   # (P or B, V)
        if use_cache and G > 1:                                   # one prefill per prompt
            cache.expand(G)
            logits = logits.repeat_interleave(G, 0)               # (B, V)
        done = torch.zeros(B, dtype=torch.bool, device=dev)
        if return_scores:
            logp = torch.zeros(B, max_new_tokens, dtype=torch.float32, device=dev)
            ent = torch.zeros(B, max_new_tokens, dtype=torch.float32, device=dev)
        every = 1 if dev.type == "cpu" else 8                     # host syncs for early stop
        for t in range(max_new_tokens):
            nxt, lp, h = draw(logits, settings, generator)        # (B,) each
            if return_scores:
                logp[:, t] = lp.float().masked_fill(done, 0.0)
                ent[:, t] = h.float().masked_fill(done, 0.0)
            nxt = nxt.masked_fill(done, pad_id)
            out[:, T + t] = nxt
            if eos_id is not None:
                done |= nxt == eos_id
            if t + 1 == max_new_tokens:
                break
            if eos_id is not None and (t + 1) % every == 0 and bool(done.all()):
                break
            with autocast(dev, prec):
                logits = (self(nxt[:, None], cache) if use_cache
                          else self(out[:, :T + t + 1]))[:, -1]
        if return_scores:
            return Generation(out, logp, ent)
        return out


class Generation(NamedTuple):
    """What :meth:`GPT.generate` returns with ``return_scores=True``.

    ``tokens`` (B, T + Tc) prompts and completions; ``logp`` (B, Tc) float32, the
    log-probability of each sampled token under the distribution it was drawn from;
    ``entropy`` (B, Tc) float32, that distribution's entropy (nats); both 0 after a
    row's first EOS.
    """

    tokens: object
    logp: object
    entropy: object


def build_model(size: str = "small", *, vocab_size: int, block_size: int = 16,
                rotary: bool = False, seed: int = 0, device="cpu") -> GPT:
    """A freshly initialized GPT of a named size (``tiny``, ``small``, ``base``)."""
    check_choice(size, "size", SIZES)
    cfg = GPTConfig(vocab_size=vocab_size, block_size=block_size, rotary=rotary, **SIZES[size])
    return GPT(cfg, seed=seed).to(device)

r"""Hugging Face causal LMs behind the interface of the package's GPT (the ``[hf]`` extra).

:func:`load_hf` loads a local model directory (``AutoModelForCausalLM`` and its
tokenizer, as written by ``save_pretrained``; nothing is downloaded) and wraps it
so that the rest of :mod:`thermo_rl.llm` uses it where it uses the GPT:

* :class:`HFPolicy` is a ``torch.nn.Module`` whose ``forward(idx)`` returns next-token
  logits ``(B, T, V)`` and whose :meth:`~HFPolicy.generate` samples with the package's
  decoding filters (:func:`thermo_rl.llm.decoding.sample`, transformers' order of
  composition) through the model's own KV cache, with the same signature as
  :meth:`thermo_rl.llm.model.GPT.generate`;
* :class:`HFTokenizer` gives a Hugging Face tokenizer the interface of
  :class:`~thermo_rl.llm.tokenizer.CharTokenizer` (``encode``, ``encode_batch``,
  ``decode_answer``, ``eos_id``, ``pad_id``).

The exact answer distribution (:func:`thermo_rl.llm.exact.answer_distribution`)
of a model that is not the package's GPT is computed by plain batched teacher
forcing: each answer is encoded on its own through the tokenizer (its *canonical*
tokenization), appended to the prompt's tokens with EOS, and scored in one forward
pass. With a character-level tokenizer that is the whole distribution over
strings; with a subword tokenizer other token sequences can spell the same answer,
and their (usually tiny) mass is counted in the *invalid* bucket.

Padding convention: prompts of unequal token length are left-padded with PAD, and
:class:`HFPolicy` treats the *leading* PAD tokens of every row as padding (attention
mask and position ids are derived from them); PAD after the prompt (after EOS in a
sampled completion) is ordinary input that a causal model never looks back at.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .._validation import check_int
from ..errors import UserError, UserTypeError
from ._torch import require_torch, resolve_device

torch = require_torch()

__all__ = ["ARCHS", "HFPolicy", "HFTokenizer", "as_pretrained", "char_tokenizer", "load_hf",
           "require_transformers", "save_tiny_model"]

#: Architectures :func:`save_tiny_model` can build.
ARCHS = ("gpt2", "llama")


def require_transformers():
    """Return the ``transformers`` module, or raise ``ImportError`` saying how to install it."""
    try:
        import transformers
    except ImportError:
        raise ImportError("Hugging Face models need the [hf] extra: "
                          "pip install -e \".[hf]\" (transformers)") from None
    return transformers


class HFTokenizer:
    """A Hugging Face tokenizer with the interface of :class:`CharTokenizer`.

    Parameters
    ----------
    hf : transformers.PreTrainedTokenizerBase
        Must define an EOS token (answers end in EOS). PAD defaults to EOS when the
        tokenizer has none.
    """

    def __init__(self, hf):
        if getattr(hf, "eos_token_id", None) is None:
            raise UserError("tokenizer: the Hugging Face tokenizer has no EOS token; every "
                             "answer ends in EOS (set tokenizer.eos_token)")
        self.hf = hf
        self.eos_id = int(hf.eos_token_id)
        self.pad_id = int(hf.pad_token_id) if hf.pad_token_id is not None else self.eos_id
        self._special = {int(i) for i in hf.all_special_ids}

    @property
    def vocab_size(self) -> int:
        return len(self.hf)

    @property
    def cache_key(self):
        """A key under which tasks cache their token arrays for this tokenizer."""
        return ("hf", self.hf.name_or_path, len(self.hf), id(self.hf))

    def encode(self, text: str, *, eos: bool = False) -> list[int]:
        """Token ids of ``text`` without special tokens (plus EOS if asked)."""
        if not isinstance(text, str):
            raise UserTypeError(f"text must be a string, got {type(text).__name__}")
        ids = [int(i) for i in self.hf(text, add_special_tokens=False)["input_ids"]]
        unk = getattr(self.hf, "unk_token_id", None)
        if unk is not None and unk in ids:
            raise UserError(f"text {text!r} has characters the tokenizer does not know "
                             "(they encode as its unknown token)")
        return ids + [self.eos_id] if eos else ids

    def encode_batch(self, texts, *, eos: bool = False, pad: str | None = None) -> np.ndarray:
        """Texts to an int64 array ``(len(texts), length)``.

        Texts of unequal token length are an error unless ``pad="left"`` (PAD before
        the shorter rows: the convention :class:`HFPolicy` understands for prompts).
        """
        rows = [self.encode(t, eos=eos) for t in texts]
        n = max(len(r) for r in rows)
        if any(len(r) != n for r in rows):
            if pad != "left":
                raise UserError("encode_batch needs texts of equal token length "
                                 "(or pad='left' for prompts)")
            rows = [[self.pad_id] * (n - len(r)) + r for r in rows]
        return np.array(rows, dtype=np.int64)

    def decode(self, ids) -> str:
        """Text up to the first EOS, special tokens dropped."""
        ids = [int(x) for x in ids]
        if self.eos_id in ids:
            ids = ids[:ids.index(self.eos_id)]
        return self.hf.decode([i for i in ids if i not in self._special],
                              skip_special_tokens=True)

    def decode_answer(self, ids) -> str:
        """The answer string if ``ids`` contain EOS, else the text tagged with ``'?'``
        (a sample that never ended matches no answer)."""
        ids = [int(x) for x in ids]
        text = self.decode(ids)
        return text if self.eos_id in ids else text + "?"

    def __repr__(self):
        return f"HFTokenizer({self.hf.name_or_path!r}, vocab_size={self.vocab_size})"


class HFPolicy(torch.nn.Module):
    """A Hugging Face causal LM with the GPT's calling convention.

    ``policy(idx)`` returns logits ``(B, T, V)`` (float32) for token ids ``(B, T)``;
    leading PAD tokens are masked out. The wrapped model is ``policy.model``, its
    tokenizer ``policy.tokenizer`` (:class:`HFTokenizer`); ``policy.parameters()``
    are the model's, so optimizers and ``train()``/``eval()`` act on it.
    """

    def __init__(self, model, tokenizer: HFTokenizer, *, path=None):
        super().__init__()
        if not isinstance(tokenizer, HFTokenizer):
            tokenizer = HFTokenizer(tokenizer)
        self.model = model
        self.tokenizer = tokenizer
        self.training = bool(model.training)
        self.path = None if path is None else os.fspath(path)
        cfg = model.config.get_text_config() if hasattr(model.config, "get_text_config") \
            else model.config
        self.block_size = next((int(getattr(cfg, k)) for k in
                                ("n_positions", "max_position_embeddings")
                                if getattr(cfg, k, None)), None)

    @property
    def config(self):
        return self.model.config

    @property
    def device(self):
        return next(self.model.parameters()).device

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.model.parameters())

    def _mask_and_positions(self, idx):
        """Attention mask (1 after the leading PADs) and position ids counted from there
        (None without leading PADs: the model's default positions)."""
        mask = (torch.cumsum(idx != self.tokenizer.pad_id, dim=1) > 0).long()
        if bool(mask.all()):
            return mask, None
        pos = (torch.cumsum(mask, dim=1) - 1).clamp_min(0)
        return mask, pos

    def _check_length(self, n):
        if self.block_size is not None and n > self.block_size:
            raise UserError(f"sequence of {n} tokens exceeds the model's context of "
                             f"{self.block_size} positions")

    def forward(self, idx, cache=None):
        """Logits ``(B, T, V)`` (float32) for token ids ``idx`` ``(B, T)``."""
        if cache is not None:
            raise UserError("HFPolicy does not take the GPT's KVCache; call generate()")
        self._check_length(idx.shape[1])
        mask, pos = self._mask_and_positions(idx)
        out = self.model(input_ids=idx, attention_mask=mask, position_ids=pos, use_cache=False)
        return out.logits.float()

    @torch.no_grad()
    def generate(self, idx, max_new_tokens: int, *, eos_id: int | None = None,
                 pad_id: int | None = None, use_cache: bool = True, generator=None,
                 num_samples: int = 1, return_scores: bool = False, **decoding):
        """Sample ``max_new_tokens`` after the prompts ``idx`` ``(B, T)``.

        The same contract as :meth:`thermo_rl.llm.model.GPT.generate`: every row stops
        at its first ``eos_id`` (default the tokenizer's), later positions hold
        ``pad_id`` (default the tokenizer's PAD); ``decoding`` takes the filters of
        :func:`~thermo_rl.llm.decoding.filter_logits`; the model's own KV cache is used
        (``use_cache=False`` recomputes the whole sequence each step).
        ``num_samples`` (G rows per prompt, prompt-major) and ``return_scores`` (a
        :class:`~thermo_rl.llm.model.Generation` with the float32 ``logp`` and
        ``entropy`` of the distribution each token was drawn from) as there; here
        the prompts are repeated before the prefill (the model's own cache is not
        expanded).

        Returns
        -------
        tensor (B, T + max_new_tokens) of token ids, or a ``Generation``
        """
        from .decoding import as_generator, check_decoding, draw
        from .model import Generation

        max_new_tokens = check_int(max_new_tokens, "max_new_tokens", low=1)
        G = check_int(num_samples, "num_samples", low=1)
        settings = check_decoding(**decoding)
        generator = as_generator(generator, idx.device)
        if G > 1:
            idx = idx.repeat_interleave(G, 0)
        eos_id = self.tokenizer.eos_id if eos_id is None else int(eos_id)
        pad_id = self.tokenizer.pad_id if pad_id is None else int(pad_id)
        B, T = idx.shape
        self._check_length(T + max_new_tokens - 1)
        out = torch.full((B, T + max_new_tokens), pad_id, dtype=idx.dtype, device=idx.device)
        out[:, :T] = idx
        mask = (torch.cumsum(idx != self.tokenizer.pad_id, dim=1) > 0).long()   # (B, T)
        pos = (torch.cumsum(mask, dim=1) - 1).clamp_min(0)
        done = torch.zeros(B, dtype=torch.bool, device=idx.device)
        res = self.model(input_ids=idx, attention_mask=mask, position_ids=pos,
                         use_cache=use_cache, logits_to_keep=1)
        logits, cache = res.logits[:, -1], res.cache if use_cache else None
        if return_scores:
            logp = torch.zeros(B, max_new_tokens, dtype=torch.float32, device=idx.device)
            ent = torch.zeros(B, max_new_tokens, dtype=torch.float32, device=idx.device)
        for t in range(max_new_tokens):
            nxt, lp, h = draw(logits, settings, generator)                       # (B,)
            if return_scores:
                logp[:, t] = lp.float().masked_fill(done, 0.0)
                ent[:, t] = h.float().masked_fill(done, 0.0)
            nxt = torch.where(done, torch.full_like(nxt, pad_id), nxt)
            out[:, T + t] = nxt
            done |= nxt == eos_id
            if bool(done.all()) or t + 1 == max_new_tokens:
                break
            mask = torch.cat([mask, torch.ones_like(mask[:, :1])], dim=1)
            pos = torch.cat([pos, pos[:, -1:] + 1], dim=1)
            if use_cache:
                res = self.model(input_ids=nxt[:, None], attention_mask=mask,
                                 position_ids=pos[:, -1:], cache=cache, use_cache=True,
                                 logits_to_keep=1)
                cache = res.cache
            else:
                res = self.model(input_ids=out[:, :T + t + 1], attention_mask=mask,
                                 position_ids=pos, use_cache=False, logits_to_keep=1)
            logits = res.logits[:, -1]
        return Generation(out, logp, ent) if return_scores else out

    def extra_repr(self) -> str:
        return f"path={self.path!r}, parameters={self.num_parameters()}"


def load_hf(path, *, device="auto", dtype=None) -> HFPolicy:
    """Load a local Hugging Face causal LM directory as an :class:`HFPolicy`.

    Parameters
    ----------
    path : str or path
        A folder written by ``model.save_pretrained`` and ``tokenizer.save_pretrained``
        (``config.json``, the weights, the tokenizer files). Only local files are read.
    device : {"auto", "cpu", "cuda"}
    dtype : torch.dtype, optional
        Default float32 (exact scoring); e.g. ``torch.bfloat16`` on a GPU.

    Returns
    -------
    HFPolicy (in eval mode)

    Raises
    ------
    ValueError
        ``path`` is not a folder with a ``config.json``, or the model cannot be loaded
        as a causal LM, or its tokenizer has no EOS token.
    """
    require_transformers()
    from transformers import AutoModelForCausalLM, AutoTokenizer

    p = Path(path)
    if not (p.is_dir() and (p / "config.json").is_file()):
        raise UserError(f"model: {os.fspath(path)!r} is not a Hugging Face model folder "
                         "(expected a directory with config.json, as save_pretrained writes)")
    dev = resolve_device(device)
    try:
        tok = AutoTokenizer.from_pretrained(p, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(p, local_files_only=True,
                                                     dtype=dtype or torch.float32)
    except (OSError, ValueError, KeyError) as exc:
        raise UserError(f"model: cannot load {os.fspath(path)!r} as a causal LM with its "
                         f"tokenizer ({type(exc).__name__}: {str(exc).splitlines()[0][:160]})"
                         ) from None
    return HFPolicy(model.to(dev).eval(), HFTokenizer(tok), path=p)


def as_pretrained(policy: HFPolicy, task):
    """A :class:`thermo_rl.llm.train.Pretrained` holding ``policy`` for ``task``: what the
    command line and :mod:`thermo_rl.llm.rl` take where a pretrained GPT goes."""
    from .tasks import get_task
    from .train import Pretrained

    task = get_task(task)
    for text in task.prompts + task.answers:
        policy.tokenizer.encode(text)                  # the task's alphabet must be known
    return Pretrained(policy, task, policy.tokenizer, settings={"model": policy.path},
                      checkpoint=policy.path)


def char_tokenizer(chars: str | None = None, *, merges=()):
    """A character-level Hugging Face tokenizer (``PreTrainedTokenizerFast``) built in code.

    Tokens: ``<pad>`` (0), ``<eos>`` (1), ``<unk>`` (2), then one per character of
    ``chars`` (default the package's alphabet :data:`thermo_rl.llm.tokenizer.CHARS`),
    then one per multi-character string of ``merges`` (matched first, left to right:
    ``merges=("1+",)`` makes ``"1+3"`` two tokens, so answers have unequal token
    lengths, as with a subword tokenizer).

    Examples
    --------
    >>> tok = HFTokenizer(char_tokenizer())
    >>> tok.encode("S=14:", eos=True)
    [17, 15, 4, 7, 14, 1]
    >>> tok.decode_answer([4, 13, 6, 1, 0]), tok.decode_answer([4, 13, 6])
    ('1+3', '1+3?')
    >>> len(HFTokenizer(char_tokenizer(merges=("1+",))).encode("1+3"))
    2
    """
    require_transformers()
    import re

    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    from .tokenizer import CHARS

    chars = CHARS if chars is None else chars
    if not isinstance(chars, str) or not chars or len(set(chars)) != len(chars):
        raise UserError("chars must be a non-empty string of distinct characters")
    merges = tuple(merges)
    if any(not isinstance(m, str) or len(m) < 2 or set(m) - set(chars) for m in merges):
        raise UserError("merges must be strings of 2 or more characters of chars")
    vocab = {"<pad>": 0, "<eos>": 1, "<unk>": 2}
    for t in (*chars, *merges):
        vocab.setdefault(t, len(vocab))
    tk = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    pattern = "|".join([*(re.escape(m) for m in sorted(merges, key=len, reverse=True)), "."])
    tk.pre_tokenizer = pre_tokenizers.Split(Regex(pattern), behavior="isolated")
    tk.decoder = decoders.Fuse()
    return PreTrainedTokenizerFast(tokenizer_object=tk, eos_token="<eos>", pad_token="<pad>",
                                   unk_token="<unk>")


def save_tiny_model(folder, *, arch: str = "gpt2", n_layer: int = 2, n_embd: int = 64,
                    n_head: int = 2, context: int = 16, tokenizer=None, seed: int = 0) -> str:
    """Write a randomly initialized tiny causal LM and its tokenizer to ``folder``.

    What the tests and ``thermo-rl bench llm_hf`` load through :func:`load_hf`, like a
    user's model (nothing is downloaded): a GPT-2 (``arch="gpt2"``, learned positions)
    or a Llama (``"llama"``: rotary positions, RMSNorm, SwiGLU, grouped-query attention
    with one key/value head) with ``n_layer`` blocks of width ``n_embd`` (about 0.1M
    parameters at the defaults) and :func:`char_tokenizer` unless ``tokenizer`` is given.

    Returns
    -------
    str : the folder
    """
    require_transformers()
    from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

    from .._validation import check_choice

    check_choice(arch, "arch", ARCHS)
    for name, v in (("n_layer", n_layer), ("n_embd", n_embd), ("n_head", n_head),
                    ("context", context)):
        check_int(v, name, low=1)
    if n_embd % n_head:
        raise UserError(f"n_embd ({n_embd}) must be divisible by n_head ({n_head})")
    tok = char_tokenizer() if tokenizer is None else tokenizer
    ids = {"vocab_size": len(tok), "eos_token_id": tok.eos_token_id,
           "bos_token_id": tok.eos_token_id, "pad_token_id": tok.pad_token_id}
    with torch.random.fork_rng(devices=[]):               # seeded, global RNG untouched
        torch.manual_seed(int(seed))
        if arch == "gpt2":                                # no dropout: exact, deterministic
            model = GPT2LMHeadModel(GPT2Config(
                n_positions=context, n_embd=n_embd, n_layer=n_layer, n_head=n_head,
                resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, activation_function="gelu",
                **ids))
        else:
            model = LlamaForCausalLM(LlamaConfig(
                max_position_embeddings=context, hidden_size=n_embd,
                intermediate_size=2 * n_embd, num_hidden_layers=n_layer, num_attention_heads=n_head,
                num_key_value_heads=1, tie_word_embeddings=True, **ids))
    Path(folder).mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    return os.fspath(folder)

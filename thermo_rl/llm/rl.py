r"""RL fine-tuning of the pretrained GPT: reward alone collapses the answers, free energy keeps them.

The language twin of tour act 4 (:mod:`thermo_rl.tour.bandit`). A prompt's answers are
the states, the model's ``ln pi(answer)`` is ``-E/T``, the pretrained model is the
prior (degeneracy) and a prompt with ``m`` correct answers is a bandit with ``m``
equally good arms. Maximizing the reward alone cannot tell the correct answers apart:
the finite samples of each group make the update a random walk among them that ends
on a few (pass@1 up, answer entropy and coverage down: mode collapse, the ``T -> 0``
limit). Maximizing the free energy ``<r> - lambda KL(pi || pi_ref)`` instead has a
known optimum, ``pi* = pi_ref e^{r/lambda} / Z``
(:func:`thermo_rl.llm.exact.kl_regularized_optimum`), which keeps every correct answer
in proportion to the base model; the registered entropy controls
(:mod:`thermo_rl.entropy.registry`, ``thermo-rl controls``) act on the covariance
``Cov(ln pi, A)`` that drives the entropy down (Cui et al., 2025).

**The policy is the distribution that samples.** Rollouts sample from
``softmax(filter(z / T))`` (temperature ``T`` and the filters of
:mod:`thermo_rl.llm.decoding`); the log-probabilities, entropies and importance ratios
of the update are those of that distribution, as TRL and verl score rollouts, so the
update is the gradient of ``<r> - lambda KL(pi_T || pi_ref)`` for the tempered policy
``pi_T`` and ``pi*`` is its fixed point (``kl_estimator="reward"``). The KL is to the
untempered base model. Exact metrics are those of the sampled policy; when it differs
from the raw model (``T != 1`` or a filter), the raw model's metrics sit beside them
(``untempered``).

One step of :func:`finetune`, each a function of its own:

1. :func:`_sample` — ``n_prompts`` prompts, ``group`` samples each at the control's
   sampling temperature; reward 1 for a correct answer.
2. :func:`_score` — log-probabilities under the sampled policy (and the reference),
   the KL in the reward, advantages (RLOO or GRPO,
   :func:`~thermo_rl.llm.loss.compute_advantages`), the control's advantage hook.
3. :func:`_update` — the control's extra rollout, if it asks for one (AEPO: samples at
   another temperature with their own advantages, joined to the batch), then
   ``updates_per_rollout`` passes of ``minibatches`` Adam (or SGD) steps on
   :func:`~thermo_rl.llm.loss.policy_loss_tokens`. With one update in all the ratio is
   exactly 1: clipping, clip-higher and KL-Cov do nothing.
4. :func:`_evaluate` — every ``eval_every`` steps the exact answer distributions: pass@k,
   coverage, answer entropy, KL to the base and to ``pi*``, and the entropy mechanism
   (the first-order prediction ``-Cov(ln pi, d ln pi)``, with the second-order term
   ``dH_predicted_2nd``, and the batch's
   ``-Cov(ln pi, A)`` against the measured change).

Measured tables live in ``docs/bench`` (``python docs/bench/regenerate.py``), not here.
"""

from __future__ import annotations

import copy
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from .. import metrics as M
from .._progress import progress_bar
from .._rng import make_rng, seed_int
from ..entropy import (
    Context,
    centered_covariance,
    entropy_change_predicted,
    entropy_change_second_order,
)
from ..entropy.objective import KL_ESTIMATORS
from ..entropy.registry import control_names
from ._torch import require_torch
from .exact import AnswerDistribution, answer_distribution, kl_regularized_optimum
from .loss import compute_advantages, policy_loss_tokens
from .rl_config import DEFAULT_LR, RLConfig, parse_run, parse_runs
from .rl_results import (
    CompareResult,
    RLResult,
    SeedsResult,
    exact_metrics,
    seed_series,
    summarize_seeds,
)

torch = require_torch()

__all__ = ["DEFAULT_LR", "KL_ESTIMATORS", "CompareResult", "RLConfig", "RLResult", "Rollout",
           "SeedsResult", "collapse_demo", "compare", "compare_seeds", "compute_advantages", "exact_metrics", "finetune",
           "policy_loss_tokens", "rollout", "token_log_probs"]


def __getattr__(name):
    if name == "CONTROLS":
        warnings.warn("thermo_rl.llm.rl.CONTROLS is thermo_rl.entropy.control_names() "
                      "(0.2.0)", PendingDeprecationWarning, stacklevel=2)
        return control_names()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ----------------------------------------------------------------------------- rollouts
@dataclass
class Rollout:
    """One batch of sampled completions.

    ``prompt_ids`` (B,) task prompt indices (each repeated ``group`` times),
    ``tokens`` (B, Lp + Tc) prompt and completion ids, ``completion`` (B, Tc),
    ``mask`` (B, Tc) 1 up to and including the first EOS, ``answers`` (B,) task
    answer index or -1 for a malformed sample, ``rewards`` (n_groups, G); ``logp`` and
    ``entropy`` (B, Tc) float32: the sampler's scores of each token under the
    distribution it was drawn from (0 after EOS).
    """

    prompt_ids: np.ndarray
    tokens: object
    completion: object
    mask: object
    answers: np.ndarray
    rewards: object
    group: int
    logp: object = None
    entropy: object = None

    @property
    def prompt_length(self) -> int:
        return self.tokens.shape[1] - self.completion.shape[1]


def rollout(model, task, tokenizer, prompt_ids, group: int, *, generator=None,
            decoding=None) -> Rollout:
    """Sample ``group`` completions for each prompt of ``prompt_ids`` and score them.

    Each prompt is prefilled once and its KV cache expanded over its group
    (``generate(num_samples=group)``); the sampler returns with every token its
    float32 log-probability and entropy under the (tempered, filtered) distribution it
    was drawn from, so the update needs no second forward pass to score the rollout.
    """
    prompt_ids = np.asarray(prompt_ids, dtype=np.int64)
    dev = next(model.parameters()).device
    rep = np.repeat(prompt_ids, group)
    ids = torch.as_tensor(task._prompt_tokens(tokenizer)[prompt_ids], device=dev)
    Lp, Tc = ids.shape[1], task.answer_length + 1         # prompt tokens, answer + EOS
    was = model.training
    model.eval()
    try:
        gen = model.generate(ids, Tc, eos_id=tokenizer.eos_id, pad_id=tokenizer.pad_id,
                             generator=generator, num_samples=group, return_scores=True,
                             **(decoding or {}))
    finally:
        model.train(was)
    out = gen.tokens
    comp = out[:, Lp:]
    is_eos = (comp == tokenizer.eos_id).long()
    mask = ((torch.cumsum(is_eos, 1) - is_eos) == 0).float()
    answers = _answer_index(task, tokenizer, comp.cpu().numpy())
    r = np.zeros(len(rep))
    ok = answers >= 0
    r[ok] = task.correct[rep[ok], answers[ok]]
    rewards = torch.as_tensor(r.reshape(len(prompt_ids), group), dtype=torch.float32,
                              device=dev)
    return Rollout(rep, out, comp, mask, answers, rewards, group, gen.logp, gen.entropy)


def _answer_index(task, tokenizer, comp: np.ndarray) -> np.ndarray:
    """Task answer index of each completion row (answer + EOS), -1 when malformed
    (``decode_answer`` tags a row without EOS, so it matches no answer)."""
    return np.array([task.answer_index(tokenizer.decode_answer(r)) for r in comp],
                    dtype=np.int64)


_POLICY_DTYPES = {"fp32": "float32", "bf16": "bfloat16", "fp16": "float16"}


def token_log_probs(model, tokens, completion_length: int, *, temperature: float = 1.0,
                    decoding: dict | None = None, with_entropy: bool = True,
                    entropy_grad: bool = True, precision: str = "fp32"):
    """Per-token ``ln pi`` of the completion tokens and per-token entropies (nats), of the
    distribution that samples: ``softmax(filter(z / temperature))``.

    ``tokens`` (B, Lp + Tc); returns ``logp`` (B, Tc) and ``entropies`` (B, Tc) (None
    without ``with_entropy``; computed without a graph unless ``entropy_grad``), with
    autograd through ``logp`` when the model's parameters require it. ``decoding``
    holds filters of :func:`thermo_rl.llm.decoding.filter_logits` (``top_k``, ``top_p``,
    ...): the sampled tokens are always kept, so their log-probabilities are finite.
    ``precision`` (``fp32``, ``bf16``, ``fp16``; ``RLConfig.precision``): the
    forward pass under ``torch.autocast`` to that dtype, the logits rounded to it and
    ``log_softmax`` and the entropies computed in it; both are returned as float32.
    """
    Tc = completion_length
    dtype = getattr(torch, _POLICY_DTYPES[precision])
    if dtype is torch.float32:
        z = model(tokens[:, :-1])[:, -Tc:].float()                    # (B, Tc, V)
    else:
        with torch.autocast(device_type=tokens.device.type, dtype=dtype):
            z = model(tokens[:, :-1])[:, -Tc:]
        z = z.to(dtype)
    if temperature != 1.0 or decoding:
        from .decoding import filter_logits

        z = filter_logits(z, temperature=temperature, **(decoding or {}))
    logp_all = torch.log_softmax(z, dim=-1)
    logp = logp_all.gather(-1, tokens[:, -Tc:, None]).squeeze(-1).float()
    ent = None
    if with_entropy:
        with torch.set_grad_enabled(entropy_grad and torch.is_grad_enabled()):
            p = logp_all.exp()
            ent = -(p * logp_all.masked_fill(p == 0, 0.0)).sum(-1).float()
    return logp, ent


def _ks(group: int) -> tuple:
    ks = {1, group}
    k = 2
    while k <= 64:
        ks.add(k)
        k *= 2
    return tuple(sorted(ks))


# ----------------------------------------------------------------------------- the run
@dataclass(eq=False)
class _Run:
    """Everything one run holds between steps (the model, optimizer, control, records)."""

    cfg: RLConfig
    pretrained: object
    model: object
    ref: object
    opt: object
    gen: object
    rng: object
    ctl: object
    ctx: Context
    base: AnswerDistribution
    optimum: AnswerDistribution
    lr: float
    eval_every: int
    ks: tuple
    before: dict
    t_start: float
    trace: dict = field(default_factory=dict)
    history: list = field(default_factory=list)
    since: dict = field(default_factory=lambda: {"cov": 0.0, "cov_answer": 0.0})
    prev: AnswerDistribution | None = None

    @property
    def task(self):
        return self.pretrained.task

    @property
    def tok(self):
        return self.pretrained.tokenizer

    @property
    def Tc(self) -> int:
        return self.task.answer_length + 1


TRACE_KEYS = ("batch_reward", "no_signal", "token_entropy", "sequence_entropy", "cov",
              "cov_answer", "clip_fraction", "selected", "kl_k3", "coef", "temperature",
              "step_seconds", "step_cpu_seconds", "pass@k_sampled")


def _sampled_metrics(model, task, tok, decoding, base, ks, optimum) -> dict:
    """Exact metrics of the policy that samples (and of the raw model beside, if different)."""
    tempered = decoding.get("temperature", 1.0) != 1.0 or len(decoding) > 1
    dist = answer_distribution(model, task, tokenizer=tok, decoding=decoding if tempered
                               else None)
    out = exact_metrics(dist, base, ks, optimum)
    if tempered:
        raw = answer_distribution(model, task, tokenizer=tok)
        out["untempered"] = exact_metrics(raw, base, ks, optimum)
    return out, dist


def _token_entropy_estimate(model, task, tok, n: int, seed, decoding) -> float:
    """Mean per-token entropy of the sampled distribution along its own samples."""
    g = torch.Generator(device=next(model.parameters()).device).manual_seed(seed_int(seed))
    with torch.no_grad():
        ro = rollout(model, task, tok, np.arange(len(task.prompts)), n, generator=g,
                     decoding=decoding)
    return float((ro.entropy * ro.mask).sum() / ro.mask.sum())


def _start(pretrained, cfg: RLConfig, base) -> _Run:
    """Copy the model, build the optimizer, the control and the exact baseline."""
    t_start = time.perf_counter()
    task, tok = pretrained.task, pretrained.tokenizer
    lr = cfg.lr if cfg.lr is not None else DEFAULT_LR.get(
        getattr(pretrained, "settings", {}).get("size"), 3e-4)
    model = copy.deepcopy(pretrained.model)
    model.train()
    dev = next(model.parameters()).device
    ref = None
    if cfg.kl_penalty > 0:
        ref = pretrained.model
        ref.eval()
    rng = make_rng(cfg.seed)
    gen = torch.Generator(device=dev).manual_seed(seed_int(rng))
    opt = (torch.optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.99))
           if cfg.optimizer == "adam" else torch.optim.SGD(model.parameters(), lr=lr))
    base = base if base is not None else pretrained.distribution()
    optimum = kl_regularized_optimum(base, cfg.star_coef)
    ks = _ks(cfg.group) if cfg.ks is None else cfg.ks
    ctl = cfg.make_control()
    ctx = Context(steps=cfg.steps, rng=make_rng(seed_int(rng)))
    T0 = ctl.sampling_temperature(ctx, cfg.temperature)
    dec = {**cfg.decoding, "temperature": T0}
    before, dist = _sampled_metrics(pretrained.model, task, tok, dec, base, ks, optimum)
    before["token_entropy"] = _token_entropy_estimate(pretrained.model, task, tok, 32,
                                                      cfg.seed, dec)
    before["seconds"] = 0.0
    ctx.initial = {"token_entropy": before["token_entropy"],
                   "sequence_entropy": before["answer_entropy"]}
    n_answers = len(task.answers)
    eval_every = cfg.eval_every or (1 if n_answers <= 100 else max(1, cfg.steps // 10))
    run = _Run(cfg, pretrained, model, ref, opt, gen, rng, ctl, ctx, base, optimum, lr,
               eval_every, ks, before, t_start, prev=dist)
    run.trace = {k: [] for k in TRACE_KEYS}
    return run


def _sample(run: _Run, T: float) -> Rollout:
    """Step 1: a rollout of ``n_prompts`` x ``group`` completions at temperature ``T``."""
    cfg = run.cfg
    pids = run.rng.integers(0, len(run.task.prompts), size=cfg.n_prompts)
    return rollout(run.model, run.task, run.tok, pids, cfg.group, generator=run.gen,
                   decoding={**cfg.decoding, "temperature": T})


def _score(run: _Run, ro: Rollout, T: float, extra: bool = False) -> dict:
    """Step 2: log-probabilities of the sampled policy, the KL reward, the advantages.

    The control's ``advantages`` hook sees one row per prompt (its ``group`` samples);
    an ``extra`` rollout (the ``extra_rollout`` hook) gets ``extra_advantages`` instead
    and leaves the step's measured entropies alone.
    """
    cfg, m = run.cfg, ro.mask
    old_logp, old_ent = ro.logp, ro.entropy                # the sampler's fp32 scores
    with torch.no_grad():
        if extra or cfg.precision != "fp32":   # another temperature, or the trainer's dtype
            old_logp, old_ent = token_log_probs(run.model, ro.tokens, run.Tc, temperature=T,
                                                decoding=cfg.decoding, with_entropy=not extra,
                                                precision=cfg.precision)
        ref_logp = (token_log_probs(run.ref, ro.tokens, run.Tc, with_entropy=False,
                                    precision=cfg.precision)[0]
                    if run.ref is not None else None)
    seq_logp = (old_logp * m).sum(1)
    rewards = ro.rewards
    if ref_logp is not None and cfg.kl_estimator == "reward":
        rewards = rewards - cfg.kl_penalty * ((old_logp - ref_logp) * m).sum(1).view_as(rewards)
    adv = compute_advantages(rewards, estimator=cfg.estimator, scale_rewards=cfg.scale_rewards)
    ctx = run.ctx
    hook = run.ctl.extra_advantages if extra else run.ctl.advantages
    if not extra:
        ctx.token_entropy = float((old_ent * m).sum() / m.sum())
        ctx.sequence_entropy = float(-seq_logp.mean())      # unbiased estimate of H(answer)
    adv = hook(adv, seq_logp.view_as(adv), None, ctx).reshape(-1)
    return {"old_logp": old_logp, "ref_logp": ref_logp, "seq_logp": seq_logp, "adv": adv}


def _with_extra(run: _Run, ro: Rollout, sc: dict, T: float) -> tuple:
    """The control's extra rollout at its temperature (``extra_rollout`` hook), scored
    under the policy that learns (temperature ``T``) and joined to the step's batch."""
    T_x = run.ctl.extra_rollout(run.ctx)
    if T_x is None:
        return ro, sc
    n = max(1, round(run.cfg.n_prompts * run.ctl.extra_share))
    pids = run.rng.integers(0, len(run.task.prompts), size=n)
    rx = rollout(run.model, run.task, run.tok, pids, run.cfg.group, generator=run.gen,
                 decoding={**run.cfg.decoding, "temperature": float(T_x)})
    sx = _score(run, rx, T, extra=True)
    cat = (lambda a, b: None if a is None else torch.cat([a, b]))
    ro = Rollout(np.concatenate([ro.prompt_ids, rx.prompt_ids]), cat(ro.tokens, rx.tokens),
                 cat(ro.completion, rx.completion), cat(ro.mask, rx.mask),
                 np.concatenate([ro.answers, rx.answers]), cat(ro.rewards, rx.rewards),
                 ro.group)
    return ro, {k: cat(v, sx[k]) for k, v in sc.items()}


def _update(run: _Run, ro: Rollout, sc: dict, T: float) -> list:
    """Step 3: ``updates_per_rollout`` passes of ``minibatches`` optimizer steps (Adam or
    SGD, ``RLConfig.optimizer``); the infos."""
    cfg, ctl = run.cfg, run.ctl
    ro, sc = _with_extra(run, ro, sc, T)
    n_groups, G = ro.rewards.shape[0], cfg.group
    one_update = cfg.updates_per_rollout == 1 and cfg.minibatches == 1
    k3 = cfg.kl_estimator != "reward" and sc["ref_logp"] is not None
    dev = ro.mask.device
    infos = []
    for _ in range(cfg.updates_per_rollout):
        for chunk in np.array_split(np.arange(n_groups), cfg.minibatches):
            rows = torch.as_tensor((chunk[:, None] * G + np.arange(G)).reshape(-1), device=dev)
            logp, ent = token_log_probs(run.model, ro.tokens[rows], run.Tc, temperature=T,
                                        decoding=cfg.decoding,
                                        entropy_grad="entropy_coef" in ctl.hooks,
                                        precision=cfg.precision)
            loss, info = policy_loss_tokens(
                logp, None if one_update else sc["old_logp"][rows], sc["adv"][rows],
                ro.mask[rows], loss_type=cfg.loss_type, eps_low=cfg.eps_low,
                eps_high=cfg.eps_high, kl_penalty=cfg.kl_penalty if k3 else 0.0,
                kl_estimator=cfg.kl_estimator,
                ref_logp=sc["ref_logp"][rows] if k3 else None, entropies=ent,
                max_completion_length=run.Tc, control=ctl, ctx=run.ctx)
            run.opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(run.model.parameters(), 1.0)
            run.opt.step()
            infos.append(info)
    return infos


def _record(run: _Run, ro: Rollout, sc: dict, infos: list, T: float, t0: tuple) -> None:
    """The step's rollout statistics (one host sync per quantity)."""
    cfg, tr, m = run.cfg, run.trace, ro.mask
    r = ro.rewards
    tr["batch_reward"].append(float(r.mean()))
    tr["no_signal"].append(float((r.max(1).values == r.min(1).values).float().mean()))
    tr["token_entropy"].append(run.ctx.token_entropy)
    tr["sequence_entropy"].append(run.ctx.sequence_entropy)
    cov = [i["cov"] for i in infos]
    tr["cov"].append(float(np.mean(cov)))
    cov_ans = float(centered_covariance(sc["seq_logp"].view(cfg.n_prompts, cfg.group),
                                        sc["adv"].view(cfg.n_prompts, cfg.group)).mean())
    tr["cov_answer"].append(cov_ans)
    tr["clip_fraction"].append(float(np.mean([i["clip_fraction"] for i in infos])))
    tr["selected"].append(float(np.sum([i["selected"] for i in infos])))
    ref, old = sc["ref_logp"], sc["old_logp"]
    tr["kl_k3"].append(float(((torch.exp(ref - old) - (ref - old) - 1) * m).sum() / m.sum())
                       if ref is not None else 0.0)
    tr["coef"].append(float(run.ctl.entropy_coef(run.ctx)))
    tr["temperature"].append(T)
    c = r.sum(1).cpu().numpy().astype(int)
    tr["pass@k_sampled"].append({int(k): float(M.pass_at_k(cfg.group, c, k).mean())
                                 for k in run.ks if k <= cfg.group})
    run.since["cov"] += float(np.sum(cov))              # every optimizer update counts
    run.since["cov_answer"] += cov_ans
    tr["step_seconds"].append(time.perf_counter() - t0[0])
    tr["step_cpu_seconds"].append(time.process_time() - t0[1])


def _evaluate(run: _Run, step: int, T: float) -> None:
    """Step 4: the exact metrics and the entropy mechanism since the last evaluation."""
    dec = {**run.cfg.decoding, "temperature": T}
    metrics, dist = _sampled_metrics(run.model, run.task, run.tok, dec, run.base, run.ks,
                                     run.optimum)
    row = {"step": step, "seconds": time.perf_counter() - run.t_start, **metrics}
    lo = len(run.history) and run.history[-1]["step"]
    for k in ("batch_reward", "no_signal", "token_entropy", "sequence_entropy",
              "clip_fraction", "coef", "temperature"):
        row[k] = float(np.mean(run.trace[k][lo:]))
    prev = run.prev
    row["dH_measured"] = float(dist.entropy().mean() - prev.entropy().mean())
    row["dH_predicted_cov"] = -run.since["cov"]
    row["dH_predicted_cov_answer"] = -run.since["cov_answer"]
    lp0 = np.log(np.clip(prev.full, 1e-300, None))
    lp1 = np.log(np.clip(dist.full, 1e-300, None))
    row["dH_predicted"] = float(np.mean(entropy_change_predicted(lp0, lp1 - lp0)))
    row["dH_predicted_2nd"] = row["dH_predicted"] + float(
        np.mean(entropy_change_second_order(lp0, lp1 - lp0)))
    run.history.append(row)
    run.prev = dist
    run.since = dict.fromkeys(run.since, 0.0)


def _finish(run: _Run, T: float) -> RLResult:
    cfg = run.cfg
    seconds = time.perf_counter() - run.t_start
    dec = {**cfg.decoding, "temperature": T}
    after, _ = _sampled_metrics(run.model, run.task, run.tok, dec, run.base, run.ks,
                                run.optimum)
    after["token_entropy"] = _token_entropy_estimate(run.model, run.task, run.tok, 32,
                                                     cfg.seed, dec)
    after["seconds"] = seconds
    run.model.eval()
    settings = {**cfg.as_dict(), "task": run.task.name, "lr": run.lr,
                "eval_every": run.eval_every, "ks": list(run.ks)}
    return RLResult(cfg.control, settings, run.before, after, run.history, run.trace,
                    seconds, run.model, run.base, run.prev, run.optimum, config=cfg)


def finetune(pretrained, config: RLConfig | None = None, *,
             base: AnswerDistribution | None = None, progress: bool = True,
             **kwargs) -> RLResult:
    """RL fine-tune a copy of a pretrained model on its task (the pretrained one is untouched).

    Parameters
    ----------
    pretrained : thermo_rl.llm.train.Pretrained
        The base model, its task and tokenizer (also the frozen reference).
    config : RLConfig, optional
        Every setting (:class:`~thermo_rl.llm.rl_config.RLConfig`), validated before any
        work; keywords override its fields. Keywords that are not fields go to the
        control (``finetune(pre, control="kl-cov", fraction=0.1)``).
    base : AnswerDistribution, optional
        The pretrained model's exact (untempered) distribution, if already computed.
    progress : bool
        A tqdm bar over the steps.

    Returns
    -------
    RLResult
        ``before``/``after`` exact metrics of the sampled policy, ``history`` (one row
        per evaluation), ``trace`` (per step), ``config``.

    Examples
    --------
    >>> from thermo_rl.llm.train import pretrain
    >>> pre = pretrain("pair-sum", size="tiny", steps=5, progress=False)
    >>> r = finetune(pre, steps=2, n_prompts=4, control="clip-cov", preset="paper",
    ...              progress=False)
    >>> r.config.scale_rewards, r.settings["control_resolved"]["preset"]
    ('group', 'paper')
    """
    cfg = RLConfig.from_kwargs(config, **kwargs)
    run = _start(pretrained, cfg, base)
    T = cfg.temperature
    bar = progress_bar(range(cfg.steps), desc=f"RL {run.task.name} ({cfg.control})",
                       progress=progress)
    for t in bar:
        t0 = (time.perf_counter(), time.process_time())
        run.ctx.step = t
        T = run.ctl.sampling_temperature(run.ctx, cfg.temperature)
        ro = _sample(run, T)
        sc = _score(run, ro, T)
        infos = _update(run, ro, sc, T)
        _record(run, ro, sc, infos, T, t0)
        run.ctl.update(run.ctx)
        if (t + 1) % run.eval_every == 0 or t + 1 == cfg.steps:
            _evaluate(run, t + 1, T)
    return _finish(run, T)


def compare(pretrained, controls=("none", "entropy-bonus", "clip-cov"), *, seed: int = 0,
            progress: bool = True, control_kwargs: dict | None = None,
            **kwargs) -> CompareResult:
    """Run :func:`finetune` once per control from the same pretrained model and seed.

    ``controls`` are registry names, each optionally with a preset (``"clip-cov:paper"``);
    ``control_kwargs`` maps a run's name to its control parameters; ``kwargs`` (fields of
    :class:`RLConfig`) go to every run. Every run's config is checked before the first
    one starts.
    """
    controls = parse_runs(controls)
    control_kwargs = dict(control_kwargs or {})
    configs = {}
    for spec in controls:
        name, preset = parse_run(spec)
        extra = {"preset": preset} if preset else {}
        configs[spec] = RLConfig.from_kwargs(None, control=name, seed=seed, **extra, **kwargs,
                                             **control_kwargs.get(spec, {}))
    t0 = time.perf_counter()
    base = pretrained.distribution()
    runs = {spec: finetune(pretrained, cfg, base=base, progress=progress)
            for spec, cfg in configs.items()}
    first = runs[controls[0]]
    base_m = dict(first.before)
    base_m["seconds"] = float(getattr(pretrained, "seconds", 0.0))
    settings = {k: v for k, v in first.settings.items()
                if k not in ("control", "control_params", "control_resolved", "preset")}
    settings["controls"] = controls
    return CompareResult(base_m, runs, settings, time.perf_counter() - t0)


def compare_seeds(pretrained, controls=("none", "entropy-bonus", "clip-cov"), *,
                  seeds: int = 3, seed: int = 0, progress: bool = True,
                  control_kwargs: dict | None = None, **kwargs) -> SeedsResult:
    """:func:`compare` over ``seeds`` RL seeds: mean and standard error at every step.

    Seed ``seed + i`` (``i < seeds``) runs every control from the same pretrained model
    (the seeds vary the RL run: prompts, samples, the control's own randomness). Every
    config is checked before the first run. ``kwargs`` and ``control_kwargs`` as
    :func:`compare`; the exact evaluations fall at the same steps in every run.

    Returns
    -------
    SeedsResult
        Per control and evaluation step the mean and standard error over seeds
        (``std(ddof=1) / sqrt(n)``) of pass@1, pass@k, coverage, answer and token
        entropy, KL to the base and to ``pi* = pi_ref e^{r/lambda} / Z``
        (:func:`~thermo_rl.llm.exact.kl_regularized_optimum`, ``lambda`` the run's
        ``star_coef``); each seed's series; the final table, crossovers, Cui et al.'s
        law and the pass@1-coverage front.

    Examples
    --------
    >>> from thermo_rl.llm.train import pretrain
    >>> pre = pretrain("pair-sum", size="tiny", steps=5, progress=False)
    >>> r = compare_seeds(pre, ("none",), seeds=2, steps=2, n_prompts=4, eval_every=1,
    ...                   progress=False)
    >>> r.summary["none"]["step"], r.summary["none"]["n"]
    ([0, 1, 2], 2)
    """
    from .._validation import check_int

    n = check_int(seeds, "seeds", low=1, high=1000)
    seed = check_int(seed, "seed", low=0)
    controls = parse_runs(controls)
    for spec in controls:                       # every config checked before any work
        name, preset = parse_run(spec)
        extra = {"preset": preset} if preset else {}
        RLConfig.from_kwargs(None, control=name, seed=seed, **extra, **kwargs,
                             **dict(control_kwargs or {}).get(spec, {}))
    t0 = time.perf_counter()
    series = {spec: {} for spec in controls}
    star = {}
    res = None
    for i in range(n):
        res = compare(pretrained, controls, seed=seed + i, progress=progress,
                      control_kwargs=control_kwargs, **kwargs)
        for spec in controls:
            series[spec][seed + i] = seed_series(res[spec])
            star[spec] = res[spec].config.star_coef
    base = {k: v for k, v in res.base.items() if k != "token_entropy"}
    summary = {spec: summarize_seeds(list(per.values())) for spec, per in series.items()}
    settings = {**res.settings, "seeds": [seed + i for i in range(n)], "seed": seed,
                "star_coef": star, "task": pretrained.task.name,
                "size": getattr(pretrained, "settings", {}).get("size")}
    settings.pop("control_params", None)
    first = res[controls[0]]
    opt = exact_metrics(first.optimum, first.base, first.settings["ks"])
    optimum = {"star_coef": first.config.star_coef,
               **{k: opt[k] for k in ("pass@1", "pass@k", "distinct@k", "coverage",
                                      "answer_entropy", "effective_correct")}}
    return SeedsResult(base, series, summary, settings, time.perf_counter() - t0, optimum)


def collapse_demo(control: str = "kl-penalty", *, pretrained=None, seed: int = 0,
                  steps: int = 60, progress: bool = False, **kwargs) -> CompareResult:
    """``none`` against one control on the tiny pair-sum model: ~20 s on 2 cores.

    Pretrains the tiny model on pair-sum (300 steps of 64 pairs) unless ``pretrained``
    is given, then runs :func:`compare` with 32 prompts x 8 samples a step, lr 1e-3,
    an exact evaluation every 2 steps. The default control is the KL penalty
    (``lambda = 0.2``: the free-energy objective). For tour act 5 and the notebooks.
    """
    if pretrained is None:
        from .train import pretrain

        pretrained = pretrain("pair-sum", size="tiny", steps=300, batch_size=64, seed=seed,
                              progress=progress)
    kw = {"steps": steps, "n_prompts": 32, "group": 8, "lr": 1e-3, "eval_every": 2}
    kw.update(kwargs)
    return compare(pretrained, ("none", control), seed=seed, progress=progress, **kw)

r"""RL fine-tuning of the pretrained GPT: reward alone collapses the answers, free energy keeps them.

The language twin of tour act 4 (:mod:`thermo_rl.tour.bandit`). A prompt's answers are
the states, the model's ``ln pi(answer)`` is ``-E/T``, the pretrained model is the
prior (degeneracy) and a prompt with ``m`` correct answers is a bandit with ``m``
equally good arms. Maximizing the reward alone cannot tell the correct answers apart:
the finite samples of each group (``G`` per prompt) make the update a random walk
among them that ends on a few (pass@1 up, answer entropy and coverage down: mode
collapse, the ``T -> 0`` limit). Maximizing the free energy
``<r> - beta KL(pi || pi_ref)`` instead has a known optimum,
``pi* = pi_ref e^{r/beta} / Z`` (:func:`thermo_rl.llm.exact.kl_regularized_optimum`),
which keeps every correct answer in proportion to the base model; the entropy
controls of :mod:`thermo_rl.entropy` keep coverage by acting on the covariance
``Cov(ln pi, A)`` that drives the entropy down (Cui et al., 2025, "The Entropy
Mechanism of Reinforcement Learning for Reasoning Language Models").

One step of :func:`finetune`:

1. **Rollout.** ``n_prompts`` prompts (uniform, with replacement), ``group`` samples
   each from the KV-cache sampler (:meth:`thermo_rl.llm.model.GPT.generate`) at the
   sampling temperature and decoding filters of :mod:`thermo_rl.llm.decoding` (a
   temperature schedule from :mod:`thermo_rl.schedules` with
   ``anneal-temperature``). Reward 1 for a correct answer, 0 otherwise.
2. **Advantages** (:func:`~thermo_rl.llm.loss.compute_advantages`): RLOO's
   leave-one-out baseline (default, unbiased) or GRPO's group mean, scaled by the
   group or batch std or not at all. Groups whose rewards are all equal carry no
   signal (``no_signal`` counts them).
3. **Updates.** ``updates_per_rollout`` passes over the rollout, each split into
   ``minibatches`` optimizer steps (Adam), minimizing
   :func:`~thermo_rl.llm.loss.policy_loss_tokens` (PPO ratio clipping, the controls).
   With one update in all, the ratio is exactly 1 and clipping, clip-higher and
   KL-Cov do nothing (see :mod:`thermo_rl.llm.loss`).
4. **Metrics.** Every ``eval_every`` steps, exactly from the answer distributions
   (:mod:`thermo_rl.llm.exact`): reward (= pass@1), pass@k, coverage of each prompt's
   correct set, answer entropy, expected distinct correct answers among k samples,
   KL to the pretrained model and to ``pi*``; from the rollouts at every step: the
   sampled reward, the unbiased pass@k estimator over each group (Chen et al.,
   2021), the token entropy, the share of groups without signal, the token-level
   ``Cov(ln pi, A)``. The entropy mechanism is checked as in act 4: the predicted
   change ``-Cov(ln pi, A)`` (summed over the steps between two evaluations) against
   the measured change of the exact answer entropy, with their correlation over
   the run; and the first-order prediction from the exact change of every answer's
   log-probability, :func:`thermo_rl.entropy.entropy_change_predicted`.

Controls (:data:`CONTROLS`, one per run, by name; defaults sized for a toy batch of
a few thousand tokens — what they select is listed in :mod:`thermo_rl.llm.loss`):
``none``, ``entropy-bonus``, ``target-entropy`` (the bonus coefficient moved by a
small step up when the token entropy is below target, down otherwise),
``clip-cov`` (Cui et al.'s random draw from a covariance band), ``clip-cov-top``
(the deterministic top fraction), ``kl-cov``, ``clip-higher`` (DAPO, Yu et al.,
2025), ``high-entropy`` (gradient through the top 20% of tokens by entropy, Wang
et al., 2025), ``entrocraft`` (advantage rejection toward an entropy schedule,
"Addressing Performance Saturation for LLM RL via Precise Entropy Curve Control"),
``anneal-temperature`` (a sampling-temperature schedule), ``kl-penalty``
(``beta = 0.2``: the free-energy objective).

Measured (digit-sum, the small model pretrained 400 steps, seed 0, 200 steps x 64
prompts x 8 samples, lr 3e-4, RLOO, DAPO aggregation, two mini-batches; exact metrics):

===================  ======  ========  ===========  ==========  =========  ===========
run                  pass@1  coverage  H(answer)    H(token)    KL(ref)    distinct@64
===================  ======  ========  ===========  ==========  =========  ===========
base                 0.387   1.000     4.61         1.15        0          13.95
none                 0.940   0.305     1.03         0.26        2.99       4.89
clip-cov             0.925   0.510     2.02         0.51        2.07       8.79
entropy-bonus 0.03   0.957   0.456     1.63         0.42        2.41       7.67
entropy-bonus 0.05   0.931   0.588     2.21         0.56        1.89       10.28
kl-penalty 0.2       0.928   0.994     3.27         0.82        0.76       22.26
===================  ======  ========  ===========  ==========  =========  ===========

pass@64 stays 1.000 in every run; the expected number of distinct correct answers
among 8 samples falls below the base model's without control (2.63 -> 2.20: the base
model overtakes RL at k = 8) and rises with the controls (3.88, 3.30, 4.20, 5.67).
With the KL penalty the policy approaches the free-energy optimum: KL(pi || pi*) falls
from 2.12 (the base model) to 0.17. The first-order entropy change predicts the
measured one with correlation 0.86-0.93 over the ten evaluation intervals; the batch estimates ``-Cov(ln pi, A)`` (token and answer level)
correlate 0.4-0.66. With the KL penalty (beta = 0.2; tiny pair-sum model, 300 steps x
128 prompts, lr 1e-3) KL(pi || pi*) falls from 1.94 (the base model) to 0.26 at pass@1
0.95 and coverage 0.88, and the correlations are 0.99 (first order) and 0.92
(``-Cov``). At lr 1e-3 the small model collapses onto wrong answers as well (pass@1
0.44, pass@64 0.81 after 200 steps).

The pass@k crossover of Yue et al. (2025, "Does Reinforcement Learning Really
Incentivize Reasoning Capacity in LLMs Beyond the Base Model?"): RL ahead at k = 1,
the base model ahead at large k. When every prompt is solvable by the base model,
pass@k at large k is 1 for both; the crossover then shows in the expected number of
*distinct* correct answers among k samples (``distinct@k``).
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field

import numpy as np

from .. import metrics as M
from .._progress import progress_bar
from .._rng import make_rng, seed_int
from .._validation import check_choice, check_int, check_real
from ..entropy import (
    TargetEntropyControl,
    centered_covariance,
    entrocraft_mask,
    entropy_change_predicted,
)
from ..errors import UserError, UserTypeError
from ..schedules import Linear, parse_schedule
from ._torch import require_torch
from .exact import AnswerDistribution, answer_distribution, kl_regularized_optimum
from .loss import (
    CONTROL_DEFAULTS,
    CONTROLS,
    ESTIMATORS,
    LOSS_TYPES,
    SCALE_REWARDS,
    compute_advantages,
    policy_loss_tokens,
)

torch = require_torch()

__all__ = ["CONTROLS", "DEFAULT_LR", "CompareResult", "RLResult", "Rollout", "collapse_demo", "compare",
           "compute_advantages", "control_arguments", "exact_metrics", "finetune", "policy_loss_tokens", "rollout",
           "token_log_probs"]

KL_ESTIMATORS = ("reward", "k3")
#: Adam step size by model size (measured on digit-sum and pair-sum, see :func:`finetune`).
DEFAULT_LR = {"tiny": 5e-4, "small": 3e-4, "base": 1e-4}
#: Defaults of the controls that act outside the loss.
OUTER_DEFAULTS = {
    "target-entropy": {"target": None, "coef0": 0.0, "step": 0.002},
    "entrocraft": {"entropy_schedule": None, "strength": 5.0},
    "anneal-temperature": {"temperature_schedule": "linear:1.5:1"},
    "kl-penalty": {"beta": 0.2},
}


# ----------------------------------------------------------------------------- rollouts
@dataclass
class Rollout:
    """One batch of sampled completions.

    ``prompt_ids`` (B,) task prompt indices (each repeated ``group`` times),
    ``tokens`` (B, Lp + Tc) prompt and completion ids, ``completion`` (B, Tc),
    ``mask`` (B, Tc) 1 up to and including the first EOS, ``answers`` (B,) task
    answer index or -1 for a malformed sample, ``rewards`` (n_groups, G).
    """

    prompt_ids: np.ndarray
    tokens: object
    completion: object
    mask: object
    answers: np.ndarray
    rewards: object
    group: int

    @property
    def prompt_length(self) -> int:
        return self.tokens.shape[1] - self.completion.shape[1]


def rollout(model, task, tokenizer, prompt_ids, group: int, *, generator=None,
            decoding=None) -> Rollout:
    """Sample ``group`` completions for each prompt of ``prompt_ids`` and score them."""
    prompt_ids = np.asarray(prompt_ids, dtype=np.int64)
    dev = next(model.parameters()).device
    rep = np.repeat(prompt_ids, group)
    ids = torch.as_tensor(task._prompt_tokens(tokenizer)[rep], device=dev)
    Lp, Tc = ids.shape[1], task.answer_length + 1         # prompt tokens, answer + EOS
    was = model.training
    model.eval()
    try:
        out = model.generate(ids, Tc, eos_id=tokenizer.eos_id, pad_id=tokenizer.pad_id,
                             generator=generator, **(decoding or {}))
    finally:
        model.train(was)
    comp = out[:, Lp:]
    is_eos = (comp == tokenizer.eos_id).long()
    mask = ((torch.cumsum(is_eos, 1) - is_eos) == 0).float()
    answers = _answer_index(task, tokenizer, comp.cpu().numpy())
    r = np.zeros(len(rep))
    ok = answers >= 0
    r[ok] = task.correct[rep[ok], answers[ok]]
    rewards = torch.as_tensor(r.reshape(len(prompt_ids), group), dtype=torch.float32,
                              device=dev)
    return Rollout(rep, out, comp, mask, answers, rewards, group)


def _answer_index(task, tokenizer, comp: np.ndarray) -> np.ndarray:
    """Task answer index of each completion row (answer + EOS), -1 when malformed
    (``decode_answer`` tags a row without EOS, so it matches no answer)."""
    return np.array([task.answer_index(tokenizer.decode_answer(r)) for r in comp],
                    dtype=np.int64)


def token_log_probs(model, tokens, completion_length: int, *, with_entropy: bool = True):
    """Per-token ``ln pi`` of the completion tokens and per-token entropies (nats).

    ``tokens`` (B, Lp + Tc); returns ``logp`` (B, Tc) and ``entropies`` (B, Tc) (None
    without ``with_entropy``), with autograd when the model's parameters require it.
    """
    Tc = completion_length
    logits = model(tokens[:, :-1])[:, -Tc:].float()                  # (B, Tc, V)
    logp_all = torch.log_softmax(logits, dim=-1)
    logp = logp_all.gather(-1, tokens[:, -Tc:, None]).squeeze(-1)
    ent = M.entropy_from_logits(logits, axis=-1) if with_entropy else None
    return logp, ent


# ----------------------------------------------------------------------------- metrics
def exact_metrics(dist: AnswerDistribution, base: AnswerDistribution, ks=(1, 8, 64),
                  optimum: AnswerDistribution | None = None) -> dict:
    """The package's metric keys from an exact answer distribution.

    ``reward`` = ``pass@1`` (exact), ``pass@k`` and ``distinct@k`` (expected number of
    distinct correct answers among k samples) as objects from k to value,
    ``coverage``, ``answer_entropy``, ``effective_correct``, ``invalid``, ``kl_ref``
    (KL(pi || pi_ref)) and ``kl_star`` (KL(pi || pi*), None without an optimum).

    Examples
    --------
    >>> from thermo_rl.llm.exact import AnswerDistribution
    >>> base = AnswerDistribution.from_probs("pair-sum", [0], [[0.01] * 100])
    >>> m = exact_metrics(base, base, ks=(1, 8))
    >>> round(m["pass@1"], 2), m["coverage"], m["kl_ref"], round(m["distinct@k"][8], 2)
    (0.01, 1.0, 0.0, 0.08)
    """
    out = dist.metrics(ks)
    out["distinct@k"] = {int(k): float(dist.expected_distinct_correct(int(k)).mean())
                         for k in sorted(set(ks))}
    out["kl_ref"] = float(dist.kl(base).mean())
    out["kl_star"] = None if optimum is None else float(dist.kl(optimum).mean())
    return out


def _token_entropy_estimate(model, task, tokenizer, n: int, seed) -> float:
    """Mean per-token entropy along the policy's own samples (all prompts x n)."""
    g = torch.Generator(device=next(model.parameters()).device).manual_seed(seed_int(seed))
    ro = rollout(model, task, tokenizer, np.arange(len(task.prompts)), n, generator=g)
    with torch.no_grad():
        _, ent = token_log_probs(model, ro.tokens, ro.completion.shape[1])
    return float((ent * ro.mask).sum() / ro.mask.sum())


def _ks(group: int) -> tuple:
    ks = {1, group}
    k = 2
    while k <= 64:
        ks.add(k)
        k *= 2
    return tuple(sorted(ks))


# ----------------------------------------------------------------------------- results
@dataclass(eq=False)
class RLResult:
    """One RL run: metrics before and after, the history, the trained model.

    ``before`` / ``after``: :func:`exact_metrics` of the base and the trained model
    plus ``token_entropy`` and ``seconds``; ``history``: one row per evaluation (the
    exact metrics, the rollout metrics averaged since the last row, ``dH_predicted``
    and ``dH_measured``); ``trace``: per-step rollout metrics (lists), with
    ``step_seconds`` the wall time of each step (rollout, scoring and updates; the
    exact evaluations not included) and ``step_cpu_seconds`` its CPU time (all
    threads of the process: on a shared machine, wall >> CPU tells of waiting).
    """

    control: str
    settings: dict
    before: dict
    after: dict
    history: list
    trace: dict
    seconds: float
    model: object = field(repr=False, default=None)
    base: AnswerDistribution | None = field(repr=False, default=None)
    final: AnswerDistribution | None = field(repr=False, default=None)
    optimum: AnswerDistribution | None = field(repr=False, default=None)

    def entropy_change_agreement(self) -> dict:
        """How well the entropy mechanism predicts the measured answer-entropy change.

        Over the evaluation intervals, the correlation of the measured change of the
        exact answer entropy with

        * ``entropy_change_correlation``: the exact first-order change
          ``-Cov_pi(ln pi, d ln pi)`` of the answer distributions (the bandit act's
          check, :func:`thermo_rl.entropy.entropy_change_predicted`);
        * ``entropy_change_correlation_cov``: ``-sum Cov(ln pi, A)`` over the batch's
          tokens (Cui et al.'s token-level statistic, pooled over positions);
        * ``entropy_change_correlation_cov_answer``: ``-sum Cov(ln pi(y), A(y))`` within
          each group of G answers, averaged over groups (the same law with answers as
          the actions: natural policy gradient on the answer simplex);

        and the predicted and measured totals (nats).
        """
        rows = [r for r in self.history if r.get("dH_measured") is not None]
        dm = np.array([r["dH_measured"] for r in rows], dtype=float)
        dc = np.array([r["dH_predicted_cov"] for r in rows], dtype=float)
        da = np.array([r["dH_predicted_cov_answer"] for r in rows], dtype=float)
        dp = np.array([r["dH_predicted"] for r in rows], dtype=float)

        def corr(a, b):
            if len(a) < 3 or np.std(a) == 0 or np.std(b) == 0:
                return float("nan")
            return float(np.corrcoef(a, b)[0, 1])

        return {"entropy_change_correlation": corr(dp, dm),
                "entropy_change_correlation_cov": corr(dc, dm),
                "entropy_change_correlation_cov_answer": corr(da, dm),
                "entropy_change_intervals": len(rows),
                "entropy_change_predicted_nats": float(dp.sum()),
                "entropy_change_measured_nats": float(dm.sum())}

    def as_dict(self) -> dict:
        return {"control": self.control, "settings": self.settings, "before": self.before,
                "after": self.after, "history": self.history,
                "entropy_change": self.entropy_change_agreement(), "seconds": self.seconds}


@dataclass(eq=False)
class CompareResult:
    """Several controls from one pretrained model and one seed: ``{"base", "runs"}``."""

    base: dict
    runs: dict
    settings: dict = field(default_factory=dict)
    seconds: float = 0.0

    def __getitem__(self, name) -> RLResult:
        return self.runs[name]

    def table(self) -> list[dict]:
        """One row per run (and the base model first): the compare table's columns."""
        kmax = max(int(k) for k in self.base["pass@k"])
        group = self.settings.get("group", 8)

        def row(name, m, seconds):
            pk = {int(k): v for k, v in m["pass@k"].items()}
            return {"run": name, "pass@1": m["pass@1"], f"pass@{group}": pk.get(group),
                    f"pass@{kmax}": pk.get(kmax), "coverage": m["coverage"],
                    "answer_entropy": m["answer_entropy"], "token_entropy": m["token_entropy"],
                    "kl_ref": m["kl_ref"], "seconds": seconds}

        rows = [row("base", self.base, self.base.get("seconds", 0.0))]
        rows += [row(n, r.after, r.seconds) for n, r in self.runs.items()]
        return rows

    def crossovers(self) -> dict:
        """Where the base model overtakes each run (Yue et al., 2025).

        For ``pass@k`` and ``distinct@k``: the smallest k at which the base model is at
        or above the run, when the run is ahead at k = 1 (None: no crossover within the
        k measured, or the run is not ahead at k = 1).
        """
        out = {}
        for name, run in self.runs.items():
            out[name] = {}
            for key in ("pass@k", "distinct@k"):
                b = {int(k): v for k, v in self.base[key].items()}
                a = {int(k): v for k, v in run.after[key].items()}
                ks = sorted(set(a) & set(b))
                cross = None
                if ks and a[ks[0]] > b[ks[0]]:
                    cross = next((k for k in ks if b[k] >= a[k]), None)
                out[name][key] = cross
        return out

    def as_dict(self) -> dict:
        return {"base": self.base, "runs": {n: r.as_dict() for n, r in self.runs.items()},
                "settings": self.settings, "table": self.table(),
                "crossovers": self.crossovers(), "seconds": self.seconds}


# ----------------------------------------------------------------------------- the loop
def control_arguments(control: str) -> dict:
    """The keyword arguments a control takes in :func:`finetune`, with their defaults."""
    check_choice(control, "control", CONTROLS)
    return {**CONTROL_DEFAULTS.get(control, {}), **OUTER_DEFAULTS.get(control, {})}


def _split_outer(control, kwargs):
    """Split ``kwargs`` into the loss control's and the outer control's arguments."""
    outer = dict(OUTER_DEFAULTS.get(control, {}))
    inner = {}
    allowed_inner = set(CONTROL_DEFAULTS.get(control, {}))
    for k, v in kwargs.items():
        if k in outer:
            outer[k] = v
        elif k in allowed_inner:
            inner[k] = v
        else:
            raise UserTypeError(f"control {control!r} takes no argument {k!r}; expected "
                            f"{sorted(set(outer) | allowed_inner) or 'none'}")
    return inner, outer


def finetune(pretrained, *, control: str = "none", steps: int = 200, n_prompts: int = 64,
             group: int = 8, lr: float | None = None, estimator: str = "rloo",
             scale_rewards: str = "none", loss_type: str = "dapo", eps_low: float = 0.2,
             eps_high: float | None = None, updates_per_rollout: int = 1, minibatches: int = 2,
             beta: float = 0.0, kl_estimator: str = "reward", temperature: float = 1.0,
             decoding: dict | None = None, top_entropy_quantile: float = 1.0,
             eval_every: int | None = None, ks=None, base: AnswerDistribution | None = None,
             beta_star: float | None = None, seed: int = 0, progress: bool = True,
             **control_kwargs) -> RLResult:
    """RL fine-tune a copy of a pretrained model on its task (the pretrained one is untouched).

    Parameters
    ----------
    pretrained : thermo_rl.llm.train.Pretrained
        The base model, its task and tokenizer (also the frozen reference).
    control : str
        One of :data:`CONTROLS` (``"none"``: reward alone); its arguments go in
        ``control_kwargs`` (see :data:`thermo_rl.llm.loss.CONTROL_DEFAULTS` and
        :data:`OUTER_DEFAULTS`).
    steps : int
        Rollouts (RL steps).
    n_prompts, group : int
        Prompts per rollout (drawn uniformly with replacement) and samples per prompt G.
    lr : float, optional
        Adam step size (no weight decay; gradient norm clipped at 1). Default by model
        size (:data:`DEFAULT_LR`: 5e-4 tiny, 3e-4 small, 1e-4 base): on digit-sum the
        small model at 1e-3 collapses onto wrong answers too (pass@1 0.39 -> 0.44,
        pass@64 0.81 after 200 steps), at 3e-4 it reaches pass@1 0.94; a tiny model at
        1e-3 is fine for ~60 steps (the tests, :func:`collapse_demo`) but fell from
        pass@1 0.36 to 0.06 in 150 steps of 32 prompts.
    estimator, scale_rewards : str
        Advantages (:func:`~thermo_rl.llm.loss.compute_advantages`). The default,
        RLOO without scaling, is unbiased: with ``beta > 0`` the fixed point is ``pi*``.
    loss_type, eps_low, eps_high, top_entropy_quantile
        :func:`~thermo_rl.llm.loss.policy_loss_tokens`.
    updates_per_rollout, minibatches : int
        Passes over each rollout and optimizer steps per pass (groups kept whole).
        One update in all: ratio = 1, clipping and KL-Cov are no-ops.
    beta : float
        KL coefficient: maximize ``<r> - beta KL(pi || pi_ref)``. ``kl-penalty`` sets it
        to 0.2 unless given.
    kl_estimator : {"reward", "k3"}
        ``reward``: ``r - beta ln(pi/pi_ref)(y)`` per sequence (exact gradient of the
        objective; fixed point ``pi*``); ``k3``: TRL's per-token k3 in the loss (the
        gradient of the forward KL, see :mod:`thermo_rl.llm.loss`).
    temperature, decoding
        Sampling temperature and :func:`thermo_rl.llm.decoding.filter_logits` filters
        of the rollouts (the loss uses the untempered ``ln pi``, as the bandit learner).
    eval_every : int, optional
        Steps between exact evaluations (default: every step for answer spaces of at
        most 100 answers, else ``max(1, steps // 10)``: on digit-sum an evaluation
        costs about 3 RL steps of the small model).
    ks : sequence of int, optional
        k of pass@k and distinct@k (default 1, 2, 4, ..., 64 and G).
    base : AnswerDistribution, optional
        The pretrained model's exact distribution, if already computed.
    beta_star : float, optional
        The beta of the optimum ``pi* = pi_ref e^{r/beta}/Z`` that ``kl_star`` measures
        against: ``beta`` when it is > 0, else this (default 0.2), so that runs without
        a KL penalty are measured against the same free-energy optimum.
    seed : int
        Seeds prompts, sampling and the random controls.

    Returns
    -------
    RLResult
    """
    t_start = time.perf_counter()
    check_choice(control, "control", CONTROLS)
    steps = check_int(steps, "steps", low=1)
    n_prompts = check_int(n_prompts, "n_prompts", low=1)
    group = check_int(group, "group", low=1)
    if lr is None:
        lr = DEFAULT_LR.get(getattr(pretrained, "settings", {}).get("size"), 3e-4)
    lr = check_real(lr, "lr", low=0.0, low_open=True)
    check_choice(estimator, "estimator", ESTIMATORS)
    check_choice(scale_rewards, "scale_rewards", SCALE_REWARDS)
    check_choice(loss_type, "loss_type", LOSS_TYPES)
    check_choice(kl_estimator, "kl_estimator", KL_ESTIMATORS)
    updates_per_rollout = check_int(updates_per_rollout, "updates_per_rollout", low=1)
    minibatches = check_int(minibatches, "minibatches", low=1, high=n_prompts)
    seed = check_int(seed, "seed", low=0)
    inner, outer = _split_outer(control, control_kwargs)
    if control == "kl-penalty" and beta == 0.0:
        beta = outer["beta"]
    beta = check_real(beta, "beta", low=0.0)
    decoding = dict(decoding or {})
    if "temperature" in decoding:
        temperature = decoding.pop("temperature")
    from .decoding import check_decoding

    check_decoding(temperature=temperature, **decoding)
    task, tok = pretrained.task, pretrained.tokenizer
    n_answers = len(task.answers)
    if eval_every is None:
        eval_every = 1 if n_answers <= 100 else max(1, steps // 10)
    eval_every = check_int(eval_every, "eval_every", low=1)
    ks = _ks(group) if ks is None else tuple(sorted({check_int(k, "ks", low=1) for k in ks}))

    model = copy.deepcopy(pretrained.model)
    model.train()
    dev = next(model.parameters()).device
    ref = None
    if beta > 0:
        ref = pretrained.model
        ref.eval()
    rng = make_rng(seed)
    gen = torch.Generator(device=dev).manual_seed(seed_int(rng))
    opt = torch.optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.99))

    base = base if base is not None else pretrained.distribution()
    beta_star = beta if beta > 0 else (0.2 if beta_star is None else
                                       check_real(beta_star, "beta_star", low=0.0,
                                                  low_open=True))
    optimum = kl_regularized_optimum(base, beta_star)
    before = exact_metrics(base, base, ks, optimum)
    before["token_entropy"] = _token_entropy_estimate(pretrained.model, task, tok, 32, seed)
    before["seconds"] = 0.0
    settings = {"task": task.name, "control": control, "steps": steps, "n_prompts": n_prompts,
                "group": group, "lr": lr, "estimator": estimator,
                "scale_rewards": scale_rewards, "loss_type": loss_type, "eps_low": eps_low,
                "eps_high": eps_high, "updates_per_rollout": updates_per_rollout,
                "minibatches": minibatches, "beta": beta, "beta_star": beta_star,
                "kl_estimator": kl_estimator,
                "temperature": temperature, "decoding": decoding,
                "top_entropy_quantile": top_entropy_quantile, "eval_every": eval_every,
                "seed": seed, "control_kwargs": {**inner, **{k: v for k, v in outer.items()
                                                            if k != "beta"}}}

    # controls acting outside the loss
    coef_ctl = None
    if control == "target-entropy":
        target = outer["target"]
        if target is None:
            target = 0.75 * before["token_entropy"]
        coef_ctl = TargetEntropyControl(target, T0=max(outer["coef0"], 1e-8),
                                        step=outer["step"])
        settings["control_kwargs"]["target"] = target
    ent_sched = None
    if control == "entrocraft":
        sched = outer["entropy_schedule"]
        if sched is None:
            h0 = before["answer_entropy"]
            sched = Linear(h0, 0.75 * h0)
        ent_sched = parse_schedule(sched).temperatures(steps)
    temps = np.full(steps, float(temperature))
    if control == "anneal-temperature":
        temps = parse_schedule(outer["temperature_schedule"]).temperatures(steps)
    inner_seed = inner.pop("seed", None) if control == "clip-cov" else None
    crng = make_rng(inner_seed if inner_seed is not None else seed_int(rng))

    trace = {k: [] for k in ("batch_reward", "no_signal", "token_entropy", "cov", "cov_answer",
                             "clip_fraction", "selected", "kl_k3", "coef", "temperature",
                             "answer_entropy_sampled", "step_seconds",
                             "step_cpu_seconds")}
    trace["pass@k_sampled"] = []
    history = []
    prev = base
    prev_H = float(base.entropy().mean())
    since = {"cov": 0.0, "cov_answer": 0.0}
    Tc = task.answer_length + 1
    bar = progress_bar(range(steps), desc=f"RL {task.name} ({control})", progress=progress)
    for t in bar:
        t_step, c_step = time.perf_counter(), time.process_time()
        pids = rng.integers(0, len(task.prompts), size=n_prompts)
        dec = dict(decoding)
        if temps[t] != 1.0:
            dec["temperature"] = float(temps[t])
        ro = rollout(model, task, tok, pids, group, generator=gen, decoding=dec)
        with torch.no_grad():
            old_logp, old_ent = token_log_probs(model, ro.tokens, Tc)
            ref_logp = token_log_probs(ref, ro.tokens, Tc, with_entropy=False)[0] if ref else None
        m = ro.mask
        rewards = ro.rewards
        seq_logp = (old_logp * m).sum(1)
        if beta > 0 and kl_estimator == "reward":
            rewards = rewards - beta * ((old_logp - ref_logp) * m).sum(1).view_as(rewards)
        adv = compute_advantages(rewards, estimator=estimator,
                                 scale_rewards=scale_rewards).reshape(-1)
        H_sampled = float(-seq_logp.mean())               # unbiased estimate of H(answer)
        if ent_sched is not None:
            keep = entrocraft_mask(seq_logp[None], adv[None], entropy=max(H_sampled, 0.0),
                                   target=float(ent_sched[t]), strength=outer["strength"],
                                   seed=crng)[0]
            adv = adv * keep
        kw = dict(inner)
        if control == "clip-cov":
            kw["seed"] = crng
        if coef_ctl is not None:
            kw["coef"] = coef_ctl.T
        loss_beta = beta if kl_estimator == "k3" else 0.0
        infos = []
        n_groups = len(pids)
        for _ in range(updates_per_rollout):
            for chunk in np.array_split(np.arange(n_groups), minibatches):
                rows = (chunk[:, None] * group + np.arange(group)).reshape(-1)
                rows_t = torch.as_tensor(rows, device=dev)
                logp, ent = token_log_probs(model, ro.tokens[rows_t], Tc)
                one_update = updates_per_rollout == 1 and minibatches == 1
                loss, info = policy_loss_tokens(
                    logp, None if one_update else old_logp[rows_t], adv[rows_t], m[rows_t],
                    loss_type=loss_type, eps_low=eps_low, eps_high=eps_high, beta=loss_beta,
                    ref_logp=None if ref_logp is None else ref_logp[rows_t], entropies=ent,
                    top_entropy_quantile=top_entropy_quantile, max_completion_length=Tc,
                    control=control, **kw)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
                infos.append(info)
        r = ro.rewards
        trace["batch_reward"].append(float(r.mean()))
        trace["no_signal"].append(float((r.max(1).values == r.min(1).values).float().mean()))
        tok_H = float((old_ent * m).sum() / m.sum())
        trace["token_entropy"].append(tok_H)
        trace["answer_entropy_sampled"].append(H_sampled)
        cov0 = infos[0]["cov"]
        trace["cov"].append(cov0)
        cov_ans = float(centered_covariance(seq_logp.view(n_groups, group),
                                            adv.view(n_groups, group)).mean())
        trace["cov_answer"].append(cov_ans)
        trace["clip_fraction"].append(float(np.mean([i["clip_fraction"] for i in infos])))
        trace["selected"].append(float(np.sum([i["selected"] for i in infos])))
        trace["kl_k3"].append(float(((torch.exp(ref_logp - old_logp) - (ref_logp - old_logp)
                                      - 1) * m).sum() / m.sum()) if ref_logp is not None else 0.0)
        trace["coef"].append(coef_ctl.T if coef_ctl is not None else inner.get("coef", 0.0))
        trace["temperature"].append(float(temps[t]))
        c = r.sum(1).cpu().numpy().astype(int)
        trace["pass@k_sampled"].append({int(k): float(M.pass_at_k(group, c, k).mean())
                                        for k in ks if k <= group})
        since["cov"] += cov0
        since["cov_answer"] += cov_ans
        if coef_ctl is not None:
            coef_ctl.update(tok_H)
        trace["step_seconds"].append(time.perf_counter() - t_step)
        trace["step_cpu_seconds"].append(time.process_time() - c_step)
        if (t + 1) % eval_every == 0 or t + 1 == steps:
            dist = answer_distribution(model, task, tokenizer=tok)
            row = {"step": t + 1, "seconds": time.perf_counter() - t_start,
                   **exact_metrics(dist, base, ks, optimum)}
            lo = len(history) and history[-1]["step"]
            for k in ("batch_reward", "no_signal", "token_entropy", "clip_fraction", "coef",
                      "temperature"):
                row[k] = float(np.mean(trace[k][lo:]))
            H = float(dist.entropy().mean())
            row["dH_measured"] = H - prev_H
            row["dH_predicted_cov"] = -since["cov"]
            row["dH_predicted_cov_answer"] = -since["cov_answer"]
            lp0 = np.log(np.clip(prev.full, 1e-300, None))
            lp1 = np.log(np.clip(dist.full, 1e-300, None))
            row["dH_predicted"] = float(np.mean(entropy_change_predicted(lp0, lp1 - lp0)))
            history.append(row)
            prev, prev_H = dist, H
            since = dict.fromkeys(since, 0.0)
    final = prev
    seconds = time.perf_counter() - t_start
    after = exact_metrics(final, base, ks, optimum)
    after["token_entropy"] = _token_entropy_estimate(model, task, tok, 32, seed)
    after["seconds"] = seconds
    model.eval()
    return RLResult(control, settings, before, after, history, trace, seconds, model, base,
                    final, optimum)


def compare(pretrained, controls=("none", "entropy-bonus", "clip-cov"), *, seed: int = 0,
            progress: bool = True, control_kwargs: dict | None = None,
            **kwargs) -> CompareResult:
    """Run :func:`finetune` once per control from the same pretrained model and seed.

    ``control_kwargs`` maps a control name to its arguments; ``kwargs`` go to every run.
    """
    if isinstance(controls, str):
        controls = [c.strip() for c in controls.split(",") if c.strip()]
    controls = list(controls)
    if not controls:
        raise UserError("controls must name at least one control")
    for c in controls:
        check_choice(c, "control", CONTROLS)
    if len(set(controls)) != len(controls):
        raise UserError(f"controls must not repeat a name, got {controls}")
    control_kwargs = dict(control_kwargs or {})
    t0 = time.perf_counter()
    base = pretrained.distribution()
    runs = {}
    for c in controls:
        runs[c] = finetune(pretrained, control=c, base=base, seed=seed, progress=progress,
                           **kwargs, **control_kwargs.get(c, {}))
    first = runs[controls[0]]
    base_m = dict(first.before)
    base_m["seconds"] = float(getattr(pretrained, "seconds", 0.0))
    settings = {k: v for k, v in first.settings.items() if k not in ("control",
                                                                      "control_kwargs")}
    settings["controls"] = controls
    return CompareResult(base_m, runs, settings, time.perf_counter() - t0)


def collapse_demo(control: str = "kl-penalty", *, pretrained=None, seed: int = 0,
                  steps: int = 60, progress: bool = False, **kwargs) -> CompareResult:
    """``none`` against one control on the tiny pair-sum model: ~20 s on 2 cores.

    Pretrains the tiny model on pair-sum (300 steps of 64 pairs) unless ``pretrained``
    is given, then runs :func:`compare` with 32 prompts x 8 samples a step, lr 1e-3,
    an exact evaluation every 2 steps. The default control is the KL penalty
    (``beta = 0.2``: the free-energy objective). For tour act 5 and the notebooks.
    """
    if pretrained is None:
        from .train import pretrain

        pretrained = pretrain("pair-sum", size="tiny", steps=300, batch_size=64, seed=seed,
                              progress=progress)
    kw = {"steps": steps, "n_prompts": 32, "group": 8, "lr": 1e-3, "eval_every": 2}
    kw.update(kwargs)
    return compare(pretrained, ("none", control), seed=seed, progress=progress, **kw)

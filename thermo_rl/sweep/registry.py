"""The simulators a sweep can call: one small registry, imported lazily.

A :class:`Simulator` names one callable of the public API. A sweep point calls it once,
as ``target(**params, seed=seed)``, and keeps the scalar entries of the result's
``as_dict()`` (or of a plain ``dict``) as the point's row. Targets are written as
``"module:function"`` strings and imported on first use, on the worker that runs the
point: the language-model entry imports torch only when a sweep uses it.

Built in:

======== ============================================== ==================================
name     call                                           typical axes
======== ============================================== ==================================
ising    :func:`thermo_rl.physics.ising.simulate`       L x T x replica
potts    :func:`thermo_rl.physics.potts.simulate`       q x L x T x replica
anneal   :func:`anneal_point` (make_problem + anneal)   schedule x instance x replica
bandit   :func:`bandit_point` (make_env/policy + run)   T x policy x replica
llm      :func:`llm_point` (pretrained + finetune)      control x coefficient x replica
======== ============================================== ==================================

A sweep built in Python may also name any importable ``"package.module:function"`` (or
pass a callable); the module must then be importable on every worker too. A spec *file*
(TOML, :meth:`~thermo_rl.sweep.spec.SweepSpec.from_toml`) runs only the simulators
registered here, unless it is read with ``allow_import=True`` (``thermo-rl sweep
--allow-import``): a spec is data, often received from someone else, and importing and
calling whatever function it names would let a data file run code (a spec naming
``os:system`` would call it). Register your simulator in Python instead, or pass the flag
for a spec you wrote yourself.

Before any point runs, every point is checked (:meth:`Simulator.check`): the built-in
simulators run their own input checks without their work
(:func:`thermo_rl._validation.check_call`), so a bad value (``L = -4``) stops the sweep at
once, naming the point, instead of becoming an error row after the others ran.

Adding a simulator is one call, made at import time of a module the workers import as
well (so that the name resolves there), or one entry in :data:`SIMULATORS` below::

    register("mine", "mypackage.module:point")

where ``point(*, param, ..., seed)`` runs one computation and returns a result with
``as_dict()`` (or a dict) of scalars.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import importlib
import inspect
import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .._validation import check_call, checks_input
from ..errors import UserError, UserTypeError

__all__ = ["SIMULATORS", "Simulator", "anneal_point", "bandit_point", "get_simulator",
           "register", "result_row"]

#: Arguments a sweep sets itself (never spec parameters).
RESERVED = ("seed", "progress")


@dataclass(frozen=True)
class Simulator:
    """One registry entry: ``name`` -> ``target(**params, seed=seed, **defaults)``.

    Parameters
    ----------
    name : str
        The spec's ``simulator``.
    target : str or callable
        ``"module:function"`` (imported on first use) or a callable (pickled to the
        workers by value when it is defined in ``__main__``).
    columns : tuple of str, optional
        Result keys to keep; default every scalar of the result's ``as_dict()``.
    defaults : dict
        Keyword arguments every call gets (``progress=False`` for the built-ins).
    """

    name: str
    target: str | Callable
    columns: tuple | None = None
    defaults: dict = dataclasses.field(default_factory=dict)

    def load(self) -> Callable:
        """The callable (imports its module on first use)."""
        if callable(self.target):
            return self.target
        module, _, attr = self.target.partition(":")
        if not module or not attr:
            raise UserError(f"simulator target must be 'module:function', got {self.target!r}")
        try:
            obj = importlib.import_module(module)
        except ImportError as exc:
            raise ImportError(f"simulator {self.name!r} needs module {module!r}, which cannot "
                              f"be imported: {exc}") from exc
        for part in attr.split("."):
            if not hasattr(obj, part):
                raise UserError(f"simulator {self.name!r}: module {module!r} has no {attr!r}")
            obj = getattr(obj, part)
        return obj

    def parameters(self) -> tuple | None:
        """Names the target accepts (None when it takes ``**kwargs`` freely)."""
        fn = self.load()
        names = getattr(fn, "sweep_parameters", None)
        if names is not None:
            return tuple(names())
        try:
            sig = inspect.signature(fn)
        except (TypeError, ValueError):
            return None
        if any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
            return None
        return tuple(n for n, p in sig.parameters.items()
                     if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
                     and n not in RESERVED and n not in self.defaults)

    def check(self, params: dict, seed: int = 0) -> None:
        """Check one point's values without running it (its :class:`UserError` if bad).

        Targets marked :func:`~thermo_rl._validation.checks_input` (the built-ins but
        ``llm``) run their own input checks and stop before their work; for any other
        target only the parameter names are checked (:meth:`parameters`).
        """
        fn = self.load()
        if getattr(fn, "__checks_input__", False):
            check_call(fn, **params, **self.defaults, seed=seed)

    def __call__(self, params: dict, seed: int) -> dict:
        """Run one point and return its scalar results."""
        result = self.load()(**params, **self.defaults, seed=seed)
        row = result_row(result)
        if self.columns is not None:
            row = {k: row.get(k) for k in self.columns}
        return row


def result_row(result) -> dict:
    """The scalar entries of a result: its ``as_dict()`` (or ``summary()``, or a dict).

    Nested dicts are flattened (``{"after": {"pass@k": {4: 0.9}}}`` -> ``after_pass@k_4``);
    arrays, lists and other non-scalars are dropped; NumPy scalars become Python numbers.
    """
    if hasattr(result, "as_dict"):
        d = result.as_dict()
    elif hasattr(result, "summary"):
        d = result.summary()
    elif isinstance(result, dict):
        d = result
    elif dataclasses.is_dataclass(result):
        d = {f.name: getattr(result, f.name) for f in dataclasses.fields(result)}
    elif _scalar(result) is not _DROP:
        d = {"value": result}
    else:
        raise UserTypeError(f"a simulator must return a result with as_dict(), a dict or a "
                        f"number, got {type(result).__name__}")
    row = {}

    def put(prefix, value):
        if isinstance(value, dict):
            for k, v in value.items():
                put(f"{prefix}_{k}" if prefix else str(k), v)
        else:
            s = _scalar(value)
            if s is not _DROP:
                row[prefix] = s

    put("", d)
    return row


_DROP = object()


def _scalar(v):
    if v is None or isinstance(v, (str, bool)):
        return v
    if isinstance(v, np.generic) and v.ndim == 0:
        v = v.item()
    if isinstance(v, np.ndarray) and v.ndim == 0:
        v = v.item()
    if isinstance(v, bool):
        return v
    if isinstance(v, numbers.Integral):
        return int(v)
    if isinstance(v, numbers.Real):
        return float(v)
    return _DROP


# -- threads of the point running ----------------------------------------------------------

_THREADS = [1]


def point_threads() -> int:
    """Threads the point now running may use (the sweep's ``threads``): Numba's are set
    by :func:`~thermo_rl.sweep.run_point`; an adapter running torch sets
    ``torch.set_num_threads`` to it."""
    return _THREADS[-1]


@contextlib.contextmanager
def using_threads(n: int):
    """Numba's thread count (and :func:`point_threads`) set to ``n`` for one point."""
    import numba

    n = max(1, int(n))
    old = numba.get_num_threads()
    numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
    _THREADS.append(n)
    try:
        yield
    finally:
        _THREADS.pop()
        numba.set_num_threads(old)


# -- adapters for the APIs that need more than one call ---------------------------------

@checks_input
def anneal_point(*, problem: str = "eil51", n: int | None = None, instance: int = 0,
                 sweeps: int | None = None, schedule=None, runs: int = 4,
                 restart_from_best: bool = False, seed=0, progress: bool = False):
    """:func:`thermo_rl.anneal.anneal` of ``make_problem(problem, n, seed=instance)``.

    ``instance`` seeds the random instance (``tsp``, ``sk``, ``ea``, ...) apart from the
    annealing's own ``seed``, so that schedules are compared on the same instances.
    """
    from ..anneal import anneal, make_problem

    return anneal(make_problem(problem, n, seed=instance), sweeps=sweeps, schedule=schedule, runs=runs,
                  restart_from_best=restart_from_best, seed=seed, progress=progress)


def _bandit_groups():
    from ..bandits.envs import make_env
    from ..bandits.policies import EntropyPG, make_policy

    def names(fn, skip=()):
        return [n for n, p in inspect.signature(fn).parameters.items()
                if p.kind is p.KEYWORD_ONLY or (p.kind is p.POSITIONAL_OR_KEYWORD
                                                 and n not in skip)]

    env = names(make_env, skip=("name",))
    pol = names(make_policy, skip=("name",))
    pg = names(EntropyPG.__init__, skip=("self",))
    return env, pol, pg


@checks_input
def bandit_point(*, env: str = "equal-best", policy: str = "softmax", runs: int = 1000,
                 steps: int = 1000, seed=0, progress: bool = False, **kw):
    """:func:`thermo_rl.bandits.run` of ``make_env(env, ...)`` and a policy.

    Keyword arguments go to :func:`~thermo_rl.bandits.make_env` (``k``, ``m``, ``noise``,
    ...) or to the policy: :func:`~thermo_rl.bandits.make_policy` (``T``, ``epsilon``,
    ...) or, for ``policy="pg"``/``"reinforce"``, every argument of
    :class:`~thermo_rl.bandits.EntropyPG` (``control``, ``kl_coef``, ``group``, ...).
    """
    from ..bandits import run
    from ..bandits.envs import make_env
    from ..bandits.policies import EntropyPG, make_policy

    env_names, pol_names, pg_names = _bandit_groups()
    env_kw = {k: v for k, v in kw.items() if k in env_names}
    pol_kw = {k: v for k, v in kw.items() if k not in env_names}
    allowed = pg_names if policy in ("pg", "reinforce") else pol_names
    unknown = sorted(set(pol_kw) - set(allowed))
    if unknown:
        raise UserTypeError(f"bandit policy {policy!r} takes no parameter {unknown[0]!r}")
    if policy in ("pg", "reinforce"):
        if policy == "reinforce":
            pol_kw["T"] = 0.0
        pol = EntropyPG(**pol_kw)
    else:
        pol = make_policy(policy, **pol_kw)
    return run(make_env(env, **env_kw), pol, runs=runs, steps=steps, seed=seed,
               progress=progress)


def _bandit_parameters():
    env, pol, pg = _bandit_groups()
    return ["env", "policy", "runs", "steps", *dict.fromkeys(env + pol + pg)]


bandit_point.sweep_parameters = _bandit_parameters


@functools.lru_cache(maxsize=2)
def _pretrained(checkpoint, task, size, pretrain_steps, pretrain_seed, device):
    from ..llm.train import load_checkpoint, pretrain

    if checkpoint is not None:
        return load_checkpoint(checkpoint, device=device)
    return pretrain(task, size=size, steps=pretrain_steps, seed=pretrain_seed, device=device,
                    progress=False)


def llm_point(*, checkpoint: str | None = None, task: str = "digit-sum", size: str = "tiny",
              pretrain_steps: int | None = None, pretrain_seed: int = 0, device: str = "cpu",
              control: str = "none", seed=0, progress: bool = False, **kw):
    """:func:`thermo_rl.llm.rl.finetune` of a pretrained model: one RL fine-tuning run.

    The model is ``checkpoint`` (a folder written by ``thermo-rl llm pretrain --out``; on a
    cluster, a path every worker can read) or, without one, a model pretrained on the
    worker (``task``, ``size``, ``pretrain_steps``, ``pretrain_seed``); either is kept in
    memory by the worker process for the next points. Every other keyword goes to
    ``finetune``: the fields of :class:`~thermo_rl.llm.rl_config.RLConfig` (``steps``,
    ``lr``, ``kl_penalty``, ``preset``, ...) and the control's parameters (``coef`` of
    ``entropy-bonus``, ``ratio`` of ``clip-cov``, ...; ``thermo-rl controls`` lists them).
    Torch runs on the sweep's ``threads`` per point. The row holds the exact metrics
    before and after (``before_pass@1``, ``after_coverage``, ``after_pass@k_8``, ...).
    """
    import torch

    from ..llm.rl import finetune

    torch.set_num_threads(point_threads())
    pre = _pretrained(checkpoint, task, size, pretrain_steps, pretrain_seed, device)
    return finetune(pre, control=control, seed=seed, progress=progress, **kw)


def _llm_parameters():
    import dataclasses

    from ..entropy.registry import describe_controls
    from ..llm.rl_config import RLConfig

    own = [n for n in inspect.signature(llm_point).parameters if n not in ("kw", *RESERVED)]
    fine = [f.name for f in dataclasses.fields(RLConfig) if f.name not in RESERVED]
    ctl = [p["name"] for d in describe_controls() for p in d["params"]
           if p["name"] not in RESERVED]
    return list(dict.fromkeys(own + fine + ctl))


llm_point.sweep_parameters = _llm_parameters

_QUIET = {"progress": False}

#: The built-in simulators (name -> entry).
SIMULATORS: dict[str, Simulator] = {
    "ising": Simulator("ising", "thermo_rl.physics.ising:simulate", defaults=_QUIET),
    "potts": Simulator("potts", "thermo_rl.physics.potts:simulate", defaults=_QUIET),
    "anneal": Simulator("anneal", "thermo_rl.sweep.registry:anneal_point", defaults=_QUIET),
    "bandit": Simulator("bandit", "thermo_rl.sweep.registry:bandit_point", defaults=_QUIET),
    "llm": Simulator("llm", "thermo_rl.sweep.registry:llm_point", defaults=_QUIET),
}


def register(name: str, target, *, columns=None, defaults=None) -> Simulator:
    """Add (or replace) a simulator: ``target`` is ``"module:function"`` or a callable.

    The callable is called as ``target(**params, **defaults, seed=seed)`` and returns a
    result with ``as_dict()``, a dict or a number. With a ``Client`` on other machines,
    prefer the ``"module:function"`` form of a module installed there.

    Examples
    --------
    >>> from thermo_rl.sweep import register
    >>> def square(*, x, seed):
    ...     return {"y": x * x}
    >>> register("square", square).name
    'square'
    """
    if not isinstance(name, str) or not name:
        raise UserTypeError(f"name must be a non-empty string, got {name!r}")
    if not (callable(target) or (isinstance(target, str) and ":" in target)):
        raise UserTypeError(f"target must be a callable or 'module:function', got {target!r}")
    sim = Simulator(name, target, None if columns is None else tuple(columns),
                    dict(defaults or {}))
    SIMULATORS[name] = sim
    return sim


def get_simulator(name) -> Simulator:
    """The entry for ``name``: a registered name, ``"module:function"`` or a Simulator."""
    if isinstance(name, Simulator):
        return name
    if callable(name):
        return Simulator(getattr(name, "__name__", "callable"), name)
    if not isinstance(name, str):
        raise UserTypeError(f"simulator must be a name, 'module:function' or a callable, "
                        f"got {type(name).__name__}")
    if name in SIMULATORS:
        return SIMULATORS[name]
    if ":" in name:
        return Simulator(name, name)
    raise UserError(f"unknown simulator {name!r}; expected one of: "
                     f"{', '.join(sorted(SIMULATORS))}, or 'module:function'")


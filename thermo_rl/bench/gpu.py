"""Benchmark: the CUDA paths on one GPU, in one run of under five minutes.

Rows (the ``small`` GPT on digit-sum; ``--quick``: ``tiny`` and fewer steps), each
timed with ``torch.cuda.synchronize`` around it and the GPU named in the notes:

* pretraining: :func:`thermo_rl.llm.train.pretrain` eager in fp32 (the reference),
  eager under bf16 autocast (``precision="auto"``, where the GPU supports bf16) and
  with ``torch.compile`` (the compile time is included: the note says how long the
  same steps took after it); tokens per second;
* sampling (:meth:`thermo_rl.llm.model.GPT.generate`, 64 prompts x 8 samples, every
  token sampled, no EOS stop): without the KV cache (the reference), with it, with it
  and ``num_samples=8`` (one prefill per prompt), and in bf16; tokens per second;
* exact scoring (:func:`thermo_rl.llm.exact.answer_distribution`, fp32): prompt-answer
  pairs per second;
* 20 RL steps of :func:`thermo_rl.llm.rl.finetune` (64 prompts x 8 samples): steps per
  second over the whole call (its exact evaluations included);
* a resume: a checkpoint written half-way, resumed under
  :func:`thermo_rl.llm._torch.deterministic` and compared with the uninterrupted run
  (the note says whether every weight is bit for bit the same);
* the Ising torch path (:func:`thermo_rl.physics.ising.simulate` with
  ``device="cuda"``, 64 replicas of 256^2 at T = 2) against the Numba single-spin kernel
  on one CPU lattice; the note gives the energy per spin against Onsager's.

A part that raises becomes one ``failed: <part>`` row with the error (the others still
run: a first run on a new GPU reports everything at once). Named explicitly without CUDA (``thermo-rl bench gpu``) it stops with one line (exit 2);
a plain ``thermo-rl bench`` (and ``docs/bench/regenerate.py``) gives one row that says
why it was skipped (:func:`unavailable`).
"""

from __future__ import annotations

import tempfile
import time

from . import BenchRow

AREA = "gpu"
SIZES = {"full": {"size": "small", "steps": 200, "prompts": 64, "group": 8, "rl_steps": 20,
                  "L": 256, "replicas": 64, "sweeps": 400},
         "quick": {"size": "tiny", "steps": 40, "prompts": 16, "group": 4, "rl_steps": 4,
                   "L": 64, "replicas": 8, "sweeps": 64}}


def unavailable() -> str | None:
    """Why this machine cannot run the GPU benchmark (None when it can)."""
    try:
        import torch
    except ImportError:
        return "needs PyTorch (the [llm] extra)"
    if not torch.cuda.is_available():
        return "needs a CUDA device; torch.cuda.is_available() is False on this machine"
    return None


def _timed(fn, device="cuda"):
    """(result, seconds) of ``fn()`` with the GPU synchronized on both sides."""
    import torch

    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    sync()
    t0 = time.perf_counter()
    out = fn()
    sync()
    return out, time.perf_counter() - t0


def run(quick: bool = False, seed: int = 0, progress: bool = True):
    from ..errors import UserError

    why = unavailable()
    if why:
        raise UserError(f"bench gpu {why}")
    return measure(SIZES["quick" if quick else "full"], seed, "cuda")


def measure(s: dict, seed: int = 0, device: str = "cuda"):
    """Every row at sizes ``s`` (a value of :data:`SIZES`) on ``device`` (``"cpu"`` runs
    the same code without the GPU: the tests do, at toy sizes, without ``compile``)."""
    import torch

    where = torch.cuda.get_device_name() if device == "cuda" else "cpu"
    rows = []
    for part in ("pretraining", "sampling", "rl_and_resume", "ising"):
        try:
            rows += globals()[f"_{part}"](s, seed, device, where)
        except Exception as exc:  # noqa: BLE001 (one failing part must not hide the others)
            line = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
            rows.append(BenchRow(AREA, f"failed: {part}", None, "-", "-",
                                 None, 0.0, f"{type(exc).__name__}: {line}; {where}"))
    return rows


def _pretraining(s, seed, dev, gpu):
    from ..llm._torch import bf16_supported
    from ..llm.train import pretrain

    kw = {"size": s["size"], "steps": s["steps"], "batch_size": 128, "seed": seed,
          "device": dev, "progress": False}
    pretrain("digit-sum", **{**kw, "steps": 2})                     # CUDA context, kernels
    runs = {"eager, fp32 (reference)": {}}
    if s.get("compile", True):
        runs["torch.compile, fp32"] = {"compile": True}
    if bf16_supported(dev):
        runs["eager, bf16 autocast"] = {"precision": "bf16"}
    rows, ref = [], None
    for label, extra in runs.items():
        res, sec = _timed(lambda extra=extra: pretrain("digit-sum", **kw, **extra), dev)
        note = f"{s['size']} GPT, batch 128, {s['steps']} steps, {gpu}"
        if extra.get("compile"):
            _, again = _timed(lambda: pretrain("digit-sum", **kw, compile=True), dev)
            note += (f"; {sec:.1f} s with the compile, {again:.1f} s for the same steps "
                     "compiled again (cache warm)")
        tps = res.tokens_per_second
        rows.append(BenchRow(AREA, f"pretrain, {label}", tps, "tokens_per_s",
                             "-" if ref is None else "pretrain, eager, fp32 (reference)",
                             None if ref is None else tps / ref, sec, note))
        ref = tps if ref is None else ref
    return rows


def _sampling(s, seed, dev, gpu):
    import numpy as np
    import torch

    from ..llm._torch import bf16_supported
    from ..llm.exact import answer_distribution
    from ..llm.tokenizer import CharTokenizer
    from ..llm.train import pretrain

    pre = pretrain("digit-sum", size=s["size"], steps=2, seed=seed, device=dev,
                   progress=False)
    m, task, tok = pre.model, pre.task, CharTokenizer()
    P, G = s["prompts"], s["group"]
    prompts = torch.as_tensor(task._prompt_tokens(tok)[np.arange(P) % len(task.prompts)],
                              device=dev)
    rep = prompts.repeat_interleave(G, 0)
    Tc = task.answer_length + 1
    cases = {"no KV cache (reference)": (rep, {"use_cache": False}),
             "KV cache": (rep, {}),
             f"KV cache, num_samples={G} (one prefill a prompt)": (prompts, {"num_samples": G}),
             "KV cache, bf16": (rep, {"precision": "bf16"})}
    if not bf16_supported(dev):
        del cases["KV cache, bf16"]
    rows, ref = [], None
    for label, (x, kw) in cases.items():
        def go(x=x, kw=kw):
            g = torch.Generator(device=dev).manual_seed(seed)
            return m.generate(x, Tc, generator=g, **kw)
        go()                                                        # warm-up
        sec = min(_timed(go, dev)[1] for _ in range(5))
        tps = P * G * Tc / sec
        rows.append(BenchRow(AREA, f"generate, {label}", tps, "tokens_per_s",
                             "-" if ref is None else "generate, no KV cache (reference)",
                             None if ref is None else tps / ref, sec,
                             f"{P} prompts x {G} samples x {Tc} tokens, {gpu}"))
        ref = tps if ref is None else ref
    answer_distribution(m, task)                                    # warm-up
    d, sec = _timed(lambda: answer_distribution(m, task), dev)
    pairs = d.probs.size
    rows.append(BenchRow(AREA, "exact scoring (fp32, KV-cache tree)", pairs / sec,
                         "pairs_per_s", "-", None, sec,
                         f"{len(task.prompts)} prompts x {len(task.answers)} answers, {gpu}"))
    return rows


def _rl_and_resume(s, seed, dev, gpu):
    import torch

    from ..llm._torch import deterministic
    from ..llm.rl import finetune
    from ..llm.train import pretrain

    pre = pretrain("digit-sum", size=s["size"], steps=s["steps"], seed=seed, device=dev,
                   progress=False)
    n = s["rl_steps"]
    _, sec = _timed(lambda: finetune(pre, control="none", steps=n, n_prompts=s["prompts"],
                                     group=s["group"], seed=seed, progress=False), dev)
    rows = [BenchRow(AREA, f"{n} RL steps (finetune, control none)", n / sec, "steps_per_s",
                     "-", None, sec, f"{s['size']} GPT, {s['prompts']} prompts x "
                     f"{s['group']} samples, exact evaluations included, {gpu}")]
    kw = {"size": s["size"], "steps": s["steps"], "batch_size": 128, "seed": seed,
          "device": dev, "progress": False}
    half = s["steps"] // 2
    with deterministic(warn_only=True), tempfile.TemporaryDirectory() as tmp:
        full = pretrain("digit-sum", **kw)
        _interrupted(lambda: pretrain("digit-sum", **kw, out=tmp), after=half)
        resumed, sec = _timed(lambda: pretrain("digit-sum", **kw, out=tmp, resume=True), dev)
    same = resumed.history == full.history and all(
        torch.equal(a, b) for a, b in zip(resumed.model.state_dict().values(),
                                          full.model.state_dict().values()))
    rows.append(BenchRow(AREA, "pretrain resumed from a checkpoint", (s["steps"] - half) / sec, "steps_per_s",
                         "-", None, sec, f"bit for bit equal to the uninterrupted run: "
                         f"{'yes' if same else 'NO'} (deterministic algorithms on), {gpu}"))
    return rows


def _interrupted(fn, *, after: int):
    """Run ``fn`` (a :func:`pretrain` with ``out``) as if Ctrl-C came after ``after`` steps:
    the checkpoint it saves on KeyboardInterrupt is what a resume starts from."""
    from ..llm import train

    real, calls = train._batch, {"n": 0}

    def batch(*a, **k):
        calls["n"] += 1
        if calls["n"] > after:
            raise KeyboardInterrupt
        return real(*a, **k)

    train._batch = batch
    try:
        fn()
    except KeyboardInterrupt:
        pass
    finally:
        train._batch = real


def _ising(s, seed, dev, gpu):
    from ..physics.exact import onsager_energy
    from ..physics.ising import simulate

    T, L = 2.0, s["L"]
    kw = {"T": T, "sweeps": s["sweeps"], "burn_in": 50, "seed": seed, "progress": False}
    torch_dev = "cuda" if dev == "cuda" else "torch"                # "torch": on the CPU
    simulate(L=16, T=T, sweeps=32, burn_in=0, device=torch_dev, replicas=2, progress=False)
    cpu = simulate(L=L, **kw)
    res = simulate(L=L, device=torch_dev, replicas=s["replicas"], **kw)
    e, exact = res.energy_per_spin, float(onsager_energy(T))
    return [
        BenchRow(AREA, "ising: numba checkerboard metropolis, CPU (reference)",
                 cpu.flips_per_ns, "flips_per_ns", "-", None, cpu.seconds,
                 f"{L}^2, 1 lattice, one CPU process"),
        BenchRow(AREA, f"ising: torch checkerboard metropolis, {dev}", res.flips_per_ns,
                 "flips_per_ns", "ising: numba checkerboard metropolis, CPU (reference)",
                 res.flips_per_ns / cpu.flips_per_ns, res.seconds,
                 f"{s['replicas']} x {L}^2, float32, {gpu}; energy per spin "
                 f"{e.mean:.5f} +- {e.error:.5f} vs Onsager {exact:.5f} (L = inf)"),
    ]

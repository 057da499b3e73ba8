"""Measure the entropy methods of issue 20 (REPO, REPO-R, ADAPO, AEPO, EPO, Entrocraft).

Writes ``docs/bench/entropy_methods.json`` (the numbers quoted in
``docs/theory/entropy_dynamics.md``) with the CPU it ran on::

    python docs/bench/entropy_methods.py hold        # AEPO/ADAPO hold a target (bandit, s)
    python docs/bench/entropy_methods.py controls    # language model, 3 seeds (~30 min)
    python docs/bench/entropy_methods.py schedules   # Entrocraft's schedule study
    python docs/bench/entropy_methods.py presets     # other presets of the new methods

Each part updates its own key of the JSON file. Language model: the tiny GPT pretrained
300 steps of 64 on pair-sum (seed 0), then 60 RL steps of 32 prompts x 8 samples, lr
1e-3, seeds 0, 1, 2 of the RL run.
"""

from __future__ import annotations

import json
import math
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from regenerate import cpu_model  # noqa: E402  (docs/bench/regenerate.py)

OUT = Path(__file__).with_name("entropy_methods.json")
CONTROLS = ("none", "repo", "repo-r", "adapo", "aepo", "epo", "entrocraft",
            "entrocraft-abstract")
LLM = {"steps": 60, "n_prompts": 32, "group": 8, "lr": 1e-3, "eval_every": 60}


def _save(key, value):
    data = json.loads(OUT.read_text()) if OUT.exists() else {}
    data[key] = value
    data["cpu"] = cpu_model()
    data["python"] = platform.python_version()
    OUT.write_text(json.dumps(data, indent=1, default=float) + "\n")


def _mse(xs):
    a = np.asarray(xs, dtype=float)
    return [float(a.mean()), float(a.std(ddof=1) / math.sqrt(len(a))) if len(a) > 1 else None]


def _hold(H, target, warmup):
    d = np.abs(np.asarray(H[warmup:], dtype=float) / target - 1.0)
    return {"target": float(target), "mean_entropy": float(np.mean(H[warmup:])),
            "mean_abs_dev": float(d.mean()), "share_within_10pct": float(np.mean(d < 0.1))}


def hold():
    from thermo_rl.bandits import EntropyPG, equal_best, run

    out = {}
    for kind in ("gaussian", "bernoulli"):
        env = equal_best(k=6, m=3, kind=kind, gap=1.0)
        for name, kw in (("aepo", {}), ("adapo", {"epochs": 4})):
            t = time.perf_counter()
            r = run(env, EntropyPG(T=0.0, control=name, control_params={"target": 0.8}, **kw),
                    runs=100, steps=800, seed=9, progress=False)
            out[f"{name}/{kind}"] = {**_hold(r.entropy, 0.8, 200),
                                     "optimal": float(r.optimal[-100:].mean()),
                                     "seconds": time.perf_counter() - t}
        # ADAPO's lever: the entropy a fixed eps_high holds, at ADAPO's two bounds. The
        # lever's range (and its sign) decides which targets ADAPO can hold.
        lever = {}
        for e in (0.0, 5.0):
            r = run(env, EntropyPG(T=0.0, control="clip-higher", control_params={"eps_high": e},
                                   epochs=4), runs=100, steps=800, seed=9, progress=False)
            lever[e] = float(np.mean(r.entropy[200:]))
        out[f"clip-higher-range/{kind}"] = {"eps_high=0": lever[0.0], "eps_high=5": lever[5.0]}
        lo, hi = sorted(lever.values())
        mid = round(0.5 * (lo + hi), 2)                # a target inside the lever's range
        r = run(env, EntropyPG(T=0.0, control="adapo", control_params={"target": mid},
                               epochs=4), runs=100, steps=800, seed=9, progress=False)
        out[f"adapo-in-range/{kind}"] = {**_hold(r.entropy, mid, 200),
                                         "optimal": float(r.optimal[-100:].mean())}
    _save("hold_bandit", {"env": "equal_best(k=6, m=3), T=0, 100 runs x 800 steps, seed 9, "
                          "warm-up 200 steps; ADAPO and clip-higher with 4 epochs per group",
                          "rows": out})
    print(json.dumps(out, indent=1))


def controls():
    import torch

    from thermo_rl.llm.rl import finetune
    from thermo_rl.llm.train import pretrain

    torch.set_num_threads(1)
    pre = pretrain("pair-sum", size="tiny", steps=300, batch_size=64, seed=0, progress=False)
    base = pre.distribution()
    runs = {}
    for name in CONTROLS:
        per = []
        for seed in range(3):
            t = time.perf_counter()
            r = finetune(pre, control=name, seed=seed, base=base, progress=False, **LLM)
            H = r.trace["token_entropy"]
            row = {"pass@1": r.after["pass@1"], "pass@8": r.after["pass@k"][8],
                   "coverage": r.after["coverage"], "answer_entropy": r.after["answer_entropy"],
                   "token_entropy_end": float(np.mean(H[-6:])), "seconds":
                   time.perf_counter() - t, "before": {k: r.before[k] for k in
                                                       ("pass@1", "coverage", "token_entropy")}}
            if name in ("aepo", "adapo"):
                row["hold"] = _hold(H, 0.75 * r.before["token_entropy"], 20)
            per.append(row)
            print(name, seed, {k: v for k, v in row.items() if k != "before"}, flush=True)
        runs[name] = {"runs": per, **{k: _mse([p[k] for p in per]) for k in
                                      ("pass@1", "pass@8", "coverage", "answer_entropy",
                                       "token_entropy_end")}}
        _save("controls_llm", {"settings": {"task": "pair-sum", "size": "tiny",
                                            "pretrain": "300 x 64, seed 0", **LLM,
                                            "seeds": [0, 1, 2]}, "controls": runs})


def schedules():
    from thermo_rl.bandits import equal_best
    from thermo_rl.entropy.schedule_study import entrocraft_schedules

    res = {"bandit-gaussian": entrocraft_schedules("bandit", seeds=3),
           "bandit-bernoulli": entrocraft_schedules(
               "bandit", seeds=3, env=equal_best(k=6, m=3, kind="bernoulli", gap=1.0))}
    _save("schedules", res)
    res["llm"] = entrocraft_schedules("llm", seeds=3)
    _save("schedules", res)
    for k, v in res.items():
        for r in v["rows"]:
            print(k, {a: (round(b, 3) if isinstance(b, float) else b) for a, b in r.items()})


#: Other settings of the new methods, on the language model of ``controls``: the paper's
#: presets (REPO and REPO-R: the reference entropy is the initial entropy itself; EPO: the
#: paper's coefficient and band) and AEPO/ADAPO with a target near the initial entropy.
PRESETS = (("repo", "paper", {}), ("repo-r", "paper", {}), ("epo", "paper", {}),
           ("aepo", "toy", {"target_fraction": 0.95}),
           ("adapo", "toy", {"target_fraction": 0.95}))


def presets():
    import torch

    from thermo_rl.llm.rl import finetune
    from thermo_rl.llm.train import pretrain

    torch.set_num_threads(1)
    pre = pretrain("pair-sum", size="tiny", steps=300, batch_size=64, seed=0, progress=False)
    base = pre.distribution()
    rows = {}
    for name, preset, params in PRESETS:
        per = []
        for seed in range(3):
            r = finetune(pre, control=name, preset=preset, control_params=params, seed=seed,
                         base=base, progress=False, **LLM)
            per.append({"pass@1": r.after["pass@1"], "coverage": r.after["coverage"],
                        "answer_entropy": r.after["answer_entropy"]})
        key = f"{name}:{preset}" + "".join(f" {k}={v}" for k, v in params.items())
        rows[key] = {k: _mse([p[k] for p in per]) for k in per[0]}
        print(key, rows[key], flush=True)
        _save("presets_llm", {"settings": {"task": "pair-sum", "size": "tiny",
                                           "pretrain": "300 x 64, seed 0", **LLM,
                                           "seeds": [0, 1, 2]}, "rows": rows})


if __name__ == "__main__":
    for part in sys.argv[1:] or ["hold", "controls", "schedules", "presets"]:
        {"hold": hold, "controls": controls, "schedules": schedules,
         "presets": presets}[part]()

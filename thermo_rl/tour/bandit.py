"""Act 4. Bandit: m equally good arms; reward maximization collapses onto one, free energy
keeps all m.

Ten arms, three of them equally good. Greedy action values and plain policy gradient
(REINFORCE, ``EntropyPG(T=0)``) maximize reward alone: nothing tells them apart the
three best arms, and the policy gradient's own symmetry breaking (the arm ahead gains
faster) plus the sampling noise of their updates end on one (coverage -> 1/m,
entropy -> 0). The free-energy learner
maximizes ``<r> + T H``; its entropy term is the restoring force that keeps every best
arm, and it settles near the Gibbs policy ``exp(Q/T)/Z``. The entropy changes of both
learners are compared with the first-order law ``dH = -Cov(ln pi, dz)``.
"""

from __future__ import annotations

import numpy as np

from . import ActResult, Curve

K, M, T, LR = 10, 3, 0.2, 1.0


def _log_indices(n, count=40):
    """About ``count`` step indices spread evenly on a log axis (for the summary panel)."""
    return np.unique(np.geomspace(1, n, count).astype(int)) - 1


def run(ctx) -> ActResult:
    from ..bandits import EntropyPG, Greedy, compare, equal_best, gibbs_policy
    from ..metrics import entropy
    from ..viz import save_figure

    env = equal_best(k=K, m=M)
    runs, steps = (100, 300) if ctx.fast else (400, 1000)
    labels = {"greedy": "greedy", "reinforce": "REINFORCE (T=0)",
              "free": f"free energy (T={T:g})"}
    res = compare(env, {labels["greedy"]: Greedy(), labels["reinforce"]: EntropyPG(T=0.0, lr=LR),
                        labels["free"]: EntropyPG(T=T, lr=LR)},
                  runs=runs, steps=steps, seed=ctx.seed, progress=ctx.progress)
    rf, fe = res[labels["reinforce"]], res[labels["free"]]
    s = {k: res[v].summary() for k, v in labels.items()}
    gibbs = gibbs_policy(env.means, T)
    H_gibbs = float(entropy(gibbs))
    tv_runs = 0.5 * np.abs(fe.final_probs - gibbs).sum(axis=1)          # per run
    tv_mean = 0.5 * float(np.abs(fe.final_probs.mean(axis=0) - gibbs).sum())
    top_rf = float(np.mean(rf.final_probs.max(axis=1)))                # mass on each run's top arm
    top_fe = float(np.mean(fe.final_probs.max(axis=1)))
    agree_rf = rf.entropy_change_agreement()
    agree_fe = fe.entropy_change_agreement()

    fig = _figure(env, res, rf, fe, gibbs, labels)
    path = save_figure(fig, ctx.out, "act4_bandit.png")
    sg, sr, sf = s["greedy"], s["reinforce"], s["free"]
    mean_fe = np.round(fe.final_probs.mean(axis=0)[:M], 3).tolist()
    lines = [
        (f"{K} arms, {M} equally good (mean 1, the others 0, reward noise 1); {runs} runs x "
         f"{steps} steps. Coverage: share of the {M} best arms a policy keeps (1/m = "
         f"{1 / M:.3f}: only one)."),
        (f"greedy       reward {sg['reward']:.3f}  coverage {sg['coverage']:.3f}  entropy "
         f"{sg['entropy']:.3f} nats: commits to the first arm that looks best."),
        (f"REINFORCE    reward {sr['reward']:.3f}  coverage {sr['coverage']:.3f}  entropy "
         f"{sr['entropy']:.3f} nats: each run ends with {top_rf:.2f} on one arm (neutral drift, "
         f"mode collapse)."),
        (f"free energy  reward {sf['reward']:.3f}  coverage {sf['coverage']:.3f}  entropy "
         f"{sf['entropy']:.3f} nats: keeps all {M}; mean policy {mean_fe} on the best arms vs "
         f"Gibbs exp(Q/T)/Z = {gibbs[0]:.3f} each (total variation {tv_mean:.3f})."),
        (f"Entropy mechanism dH = -Cov(ln pi, dz): per-step correlation "
         f"{agree_rf['entropy_change_correlation']:.3f} (REINFORCE), "
         f"{agree_fe['entropy_change_correlation']:.3f} (free energy); REINFORCE's entropy "
         f"drop predicted within {100 * agree_rf['entropy_change_relative_error']:.0f}% over "
         f"the {agree_rf['entropy_change_steps_compared']} steps where H moves."),
        (f"At rest the free-energy learner's first-order drift "
         f"(+{agree_fe['entropy_change_predicted_last_nats_per_step']:.4f} nats/step) balances "
         f"the second-order entropy loss to sampling noise, so its H sits a little below "
         f"Gibbs' {H_gibbs:.3f} nats and each run wanders around it (per-run total variation "
         f"{tv_runs.mean():.2f}) without dropping an arm."),
        (f"Reward alone cannot tell equal arms apart and keeps one; maximizing <r> + T H gives "
         f"up {sr['reward'] - sf['reward']:.3f} of reward to keep all {M}."),
    ]
    idx = _log_indices(steps)
    curve = Curve(x=(idx + 1).tolist(),
                  ys={lab: res[lab].coverage[idx].tolist() for lab in labels.values()},
                  xlabel="step", ylabel="coverage of the m = 3 best arms",
                  title="Bandit: T = 0 collapses to 1/m, T > 0 keeps all", xscale="log")
    numbers = {
        "k": K, "m": M, "T": T, "lr": LR, "runs": runs, "steps": steps,
        "one_over_m": 1.0 / M,
        "gibbs_policy": gibbs.tolist(), "gibbs_entropy_nats": H_gibbs,
        "free_energy_tv_to_gibbs_mean_policy": tv_mean,
        "free_energy_tv_to_gibbs_per_run": float(tv_runs.mean()),
        "reinforce_top_arm_probability": top_rf, "free_energy_top_arm_probability": top_fe,
    }
    for key, summ in s.items():
        prefix = {"greedy": "greedy", "reinforce": "reinforce", "free": "free_energy"}[key]
        numbers[f"{prefix}_reward"] = summ["reward"]
        numbers[f"{prefix}_optimal_fraction"] = summ["optimal"]
        numbers[f"{prefix}_entropy_nats"] = summ["entropy"]
        numbers[f"{prefix}_coverage"] = summ["coverage"]
    for prefix, agree in (("reinforce", agree_rf), ("free_energy", agree_fe)):
        for key, v in agree.items():
            numbers[f"{prefix}_{key}"] = v
    return ActResult(title="Bandit: equal best arms, collapse vs free energy", lines=lines,
                     numbers=numbers, figures=[path] if path else [], curve=curve)


def _figure(env, res, rf, fe, gibbs, labels):
    import matplotlib.pyplot as plt

    from ..viz.bandits import plot_entropy_change, plot_learning_curves, plot_policy

    fig = plt.figure(figsize=(14, 7.4))
    gs = fig.add_gridspec(2, 3)
    top = [fig.add_subplot(gs[0, j]) for j in range(3)]
    plot_learning_curves(res, metrics=("reward", "entropy", "coverage"), axes=top,
                         xscale="log")
    ax_pol = fig.add_subplot(gs[1, 0])
    plot_policy({labels["reinforce"]: rf.final_probs, labels["free"]: fe.final_probs,
                         f"Gibbs exp(Q/T)/Z, T={T:g}": gibbs}, Q=env.means, ax=ax_pol,
                title="final policies", colors=["C1", "C2", "C3"])
    ax_s, ax_t = fig.add_subplot(gs[1, 1]), fig.add_subplot(gs[1, 2])
    plot_entropy_change(rf, axes=[ax_s, ax_t], label="REINFORCE")
    fig.suptitle(f"{env.k} arms, {len(env.best_arms())} equally good: reward maximization "
                 f"keeps one, free energy <r> + T H keeps all", fontsize=12)
    fig.tight_layout()
    return fig


"""Citations shared by several controls."""

from ..registry import Paper

CUI_2025 = Paper("Cui et al.", 2025, "The Entropy Mechanism of Reinforcement Learning for "
                 "Reasoning Language Models", arxiv="2505.22617",
                 code="github.com/PRIME-RL/Entropy-Mechanism-of-RL (verl core_algos.py)")

PETRENKO_2026 = Paper("Petrenko, Lipkin, Chen, Wijmans, Cusumano-Towner, Giryes & Krähenbühl",
                      2026, "Entropy-Preserving Reinforcement Learning (ICLR 2026)",
                      arxiv="2603.11682", code=None)
WANG_2025_AEPO = Paper("Wang, Li, Bai, Zhang, Cui, Zhao & Wang", 2025,
                       "Arbitrary Entropy Policy Optimization: Entropy Is Controllable in "
                       "Reinforcement Fine-tuning (v1)", arxiv="2510.08141",
                       code="github.com/597358816/AEPO (verl/trainer/ray_trainer.py, fit)")
XU_2025_EPO = Paper("Xu, Zhao, Wang, Li, Jin, Jin, Mei, Wan & Metaxas", 2025,
                    "EPO: Entropy-regularized Policy Optimization for LLM Agents "
                    "Reinforcement Learning", arxiv="2509.22576",
                    code="github.com/WujiangXu/EPO (verl/workers/actor/dp_actor.py)")
LI_2026_ENTROCRAFT = Paper("Li, Wang, Ding, Lochab, Grama & Zhang", 2026,
                           "Addressing Performance Saturation for LLM RL via Precise Entropy "
                           "Curve Control", arxiv="2604.26326",
                           code="github.com/lblaoke/entrocraft (verl/trainer/ppo/core_algos.py)")


def mean_entropy(h) -> float:
    """A measured entropy as one float (the bandit passes one value per run)."""
    import numpy as np

    return float(np.mean(np.asarray(h, dtype=float)))


def target_entropy(values: dict, ctx, level: str = "token_entropy") -> float:
    """``values["target"]`` (nats) or ``values["target_fraction"]`` x the initial entropy."""
    t = values.get("target")
    if t is not None:
        return float(t)
    return float(values["target_fraction"]) * float(ctx.initial[level])


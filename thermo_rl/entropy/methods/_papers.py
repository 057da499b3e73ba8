"""Citations shared by several controls."""

from ..registry import Paper

CUI_2025 = Paper("Cui et al.", 2025, "The Entropy Mechanism of Reinforcement Learning for "
                 "Reasoning Language Models", arxiv="2505.22617",
                 code="github.com/PRIME-RL/Entropy-Mechanism-of-RL (verl core_algos.py)")

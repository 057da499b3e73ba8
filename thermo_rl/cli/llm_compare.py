"""``thermo-rl llm compare``: several entropy controls from one pretrained model and one seed."""

from __future__ import annotations

from .llm_rl import render, run_controls

HELP = ("RL fine-tune one pretrained model with several controls (same seed); table of "
        "pass@k, coverage, entropies, KL and a figure")

__all__ = ["HELP", "add_arguments", "render", "run"]


def add_arguments(p):
    from .llm_rl import add_rl_arguments

    p.add_argument("--controls", default="none,entropy-bonus,clip-cov",
                   help="comma-separated controls (default none,entropy-bonus,clip-cov); "
                        "any of: none, entropy-bonus, target-entropy, clip-cov, clip-cov-top, "
                        "kl-cov, clip-higher, high-entropy, entrocraft, anneal-temperature, "
                        "kl-penalty")
    add_rl_arguments(p)


def run(args):
    from ..llm.rl import CONTROLS
    from ._common import comma_choices

    controls = comma_choices(args.controls, CONTROLS, "--controls")
    return run_controls(args, controls)

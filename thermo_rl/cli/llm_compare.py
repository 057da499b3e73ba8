"""``thermo-rl llm compare``: several entropy controls from one pretrained model and one seed."""

from __future__ import annotations

from .llm_rl import check_controls, render, run_controls

HELP = ("RL fine-tune one pretrained model with several controls (same seed); table of "
        "pass@k, coverage, entropies, KL and a figure")

__all__ = ["HELP", "add_arguments", "check", "render", "run"]


def add_arguments(p):
    from .llm_rl import add_rl_arguments

    p.add_argument("--controls", default="none,entropy-bonus,clip-cov",
                   help="comma-separated controls (default none,entropy-bonus,clip-cov), "
                        "each optionally with a preset (clip-cov:paper); `thermo-rl "
                        "controls` lists them")
    add_rl_arguments(p)


def check(args) -> dict:
    return check_controls(args, _controls(args))


def run(args):
    return run_controls(args, _controls(args))


def _controls(args) -> list:
    from ..errors import UserError
    from ..llm.rl_config import parse_runs

    try:
        return parse_runs(args.controls)
    except UserError as exc:
        raise UserError(f"--controls: {exc}") from None

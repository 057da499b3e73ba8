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
    from ..entropy.registry import PRESETS, control_names
    from ..errors import UserError

    controls = [c.strip() for c in args.controls.split(",") if c.strip()]
    if not controls:
        raise UserError("--controls must name at least one control")
    for c in controls:
        name, _, preset = c.partition(":")
        if name not in control_names() or (preset and preset not in PRESETS):
            raise UserError(f"--controls: unknown control {c!r}; expected NAME or "
                            f"NAME:PRESET with NAME one of {', '.join(control_names())} and "
                            f"PRESET one of {', '.join(PRESETS)}")
    if len(set(controls)) != len(controls):
        raise UserError(f"--controls must not repeat a name, got {controls}")
    return controls

"""``thermo-rl llm ACTION``: the language-model half (a tiny GPT, exact answer distributions,
RL fine-tuning with entropy controls, self-training).

Each action is a module ``thermo_rl.cli.llm_<action>`` with the same contract as a
top-level subcommand (``HELP``, ``add_arguments(parser)``, ``run(args) -> dict``,
optional ``render(result) -> str``); actions whose module is absent are simply not
offered. The shared options (``--seed``, ``--json``, ``--no-progress``, ``--out``)
work before or after the action's name. An action module that defines ``check(args)``
gets ``--dry-run`` (see :mod:`thermo_rl.cli`).
"""

from __future__ import annotations

import importlib
import importlib.util

HELP = ("language models: pretrain a tiny GPT, sample, RL fine-tune, compare controls, "
        "the controls atlas, self-train")
ACTIONS = ("pretrain", "sample", "rl", "compare", "atlas", "selftrain")

_current = {"module": None}


def _available():
    for name in ACTIONS:
        if importlib.util.find_spec(f"thermo_rl.cli.llm_{name}") is not None:
            yield name, importlib.import_module(f"thermo_rl.cli.llm_{name}")


def add_arguments(p):
    from . import add_common_arguments

    sub = p.add_subparsers(dest="llm_action", metavar="ACTION", required=True,
                           parser_class=type(p))
    for name, module in _available():
        q = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(q)
        add_common_arguments(q, suppress_defaults=True, module=module)
        q.set_defaults(_llm_module=module)


def run(args):
    module = args._llm_module
    _current["module"] = module
    return module.run(args)


def render(result) -> str:
    import json

    module = _current["module"]
    fn = getattr(module, "render", None)
    return fn(result) if fn else json.dumps(result, indent=2)

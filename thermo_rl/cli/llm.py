"""``thermo-rl llm ACTION``: the language-model half (a tiny GPT, exact answer distributions,
RL fine-tuning with entropy controls, self-training).

Each action is a module ``thermo_rl.cli.llm_<action>`` with the same contract as a
top-level subcommand (``HELP``, ``add_arguments(parser)``, ``run(args) -> dict``,
optional ``render(result) -> str``); actions whose module is absent are simply not
offered. The shared options (``--seed``, ``--json``, ``--no-progress``, ``--out``)
work before or after the action's name.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util

HELP = "language models: pretrain a tiny GPT, sample, RL fine-tune, compare controls, self-train"
ACTIONS = ("pretrain", "sample", "rl", "compare", "selftrain")

_current = {"module": None}


def _available():
    for name in ACTIONS:
        if importlib.util.find_spec(f"thermo_rl.cli.llm_{name}") is not None:
            yield name, importlib.import_module(f"thermo_rl.cli.llm_{name}")


def _add_shared(q):
    # the top-level parser adds these to `llm` itself; here they may also follow the action
    # (SUPPRESS: an option not given here leaves the value parsed before the action alone)
    g = q.add_argument_group("common options")
    g.add_argument("--seed", type=int, default=argparse.SUPPRESS, help="random seed (default 0)")
    g.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                   help="print one JSON object on stdout and nothing else there")
    g.add_argument("--no-progress", dest="progress", action="store_false",
                   default=argparse.SUPPRESS, help="hide progress bars (they go to stderr)")
    g.add_argument("--out", default=argparse.SUPPRESS,
                   help="folder for checkpoints and figures")
    g.add_argument("--traceback", action="store_true", default=argparse.SUPPRESS,
                   help="show the full traceback of an error (for bug reports)")


def add_arguments(p):
    sub = p.add_subparsers(dest="llm_action", metavar="ACTION", required=True,
                           parser_class=type(p))
    for name, module in _available():
        q = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(q)
        _add_shared(q)
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

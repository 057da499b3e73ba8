"""The ``thermo-rl`` command line: one entry point, one subcommand per area.

Each subcommand lives in its own module ``thermo_rl.cli.<name>`` that defines

``HELP``
    one line for ``thermo-rl --help``;
``add_arguments(parser)``
    its own flags (the shared ``--seed``, ``--json``, ``--no-progress`` and
    ``--out`` are added here);
``run(args) -> dict``
    does the work and returns a JSON-ready dict (snake_case keys naming units);
``render(result) -> str`` (optional)
    the human-readable text printed without ``--json``.

Modules not present yet are simply absent from the menu. Errors (``ValueError``,
``TypeError``, ``FileNotFoundError``) print one line on stderr and exit with status 2.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import sys

import numpy as np

from .. import __version__

SUBCOMMANDS = ("levels", "ising", "potts", "anneal", "bandit", "llm", "sweep", "bench", "tour")


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own errors: one line, status 2
        self.exit(2, f"thermo-rl: error: {message}\n")


def _available():
    for name in SUBCOMMANDS:
        if importlib.util.find_spec(f"thermo_rl.cli.{name}") is not None:
            yield name, importlib.import_module(f"thermo_rl.cli.{name}")


def build_parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(
        prog="thermo-rl",
        description="Free energy, not reward: Boltzmann ensembles, annealing, bandits and RL.")
    parser.add_argument("--version", action="version", version=f"thermo-rl {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_ArgumentParser)
    for name, module in _available():
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        common = p.add_argument_group("common options")
        common.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
        common.add_argument("--json", action="store_true",
                            help="print one JSON object on stdout and nothing else there")
        common.add_argument("--no-progress", dest="progress", action="store_false",
                            help="hide progress bars (they go to stderr)")
        common.add_argument("--out", default=None,
                            help="folder for figures (default: none saved, except by tour)")
        p.set_defaults(_module=module)
    return parser


def _to_jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _to_jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, float) and not np.isfinite(obj):
        return None if np.isnan(obj) else ("inf" if obj > 0 else "-inf")
    return obj


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    if args.seed < 0:
        print("thermo-rl: error: --seed must be a non-negative integer", file=sys.stderr)
        return 2
    os.environ.setdefault("MPLBACKEND", "Agg")      # the CLI only saves figures, never shows
    module = args._module
    try:
        result = module.run(args)
    except (ValueError, TypeError, FileNotFoundError, KeyError) as exc:
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"thermo-rl {args.command}: error: {msg}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("thermo-rl: interrupted", file=sys.stderr)
        return 130
    if args.json:
        print(json.dumps(_to_jsonable(result)))
    else:
        render = getattr(module, "render", None)
        print(render(result) if render else json.dumps(_to_jsonable(result), indent=2))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

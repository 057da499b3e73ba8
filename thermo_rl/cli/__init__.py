"""The ``thermo-rl`` command line: one entry point, one subcommand per area.

Each subcommand lives in its own module ``thermo_rl.cli.<name>`` that defines

``HELP``
    one line for ``thermo-rl --help``;
``add_arguments(parser)``
    its own flags (the shared ``--seed``, ``--json``, ``--no-progress``, ``--out`` and
    ``--traceback`` are added here); flags with a fixed set of values take
    ``choices=`` from the library's own constants;
``run(args) -> dict``
    does the work and returns a JSON-ready dict, built from the results' ``as_dict()``
    (:mod:`thermo_rl.results`: shared key names ``T``, ``seed``, ``seconds``, ...);
``render(result) -> str`` (optional)
    the human-readable text printed without ``--json``;
``DEFAULT_OUT`` (optional)
    the figure folder used when ``--out`` is not given (``tour``).

What every subcommand gets for free from :func:`main`:

* ``--out`` is checked before any computation (a folder, created if missing, and
  writable); a figure that still fails to save (``_common.save_figure``) is reported
  after the result has been printed, so a long run is never lost.
* Errors: :class:`thermo_rl.errors.UserError` (bad input; every library check raises
  it), ``OSError`` (files), argparse errors and -- for modules written before
  ``UserError`` -- a plain ``ValueError`` print one line on stderr and exit with status
  2. Anything else (``TypeError``, ``KeyError``, ...) is a bug: one line saying so, exit
  status 1; ``--traceback`` shows the full traceback (for bug reports). New code raises
  ``UserError`` (or ``UserTypeError``) for bad input.
* ``--json`` prints one strict JSON object (non-finite numbers become ``null``).
* Ctrl-C: a module that raises :class:`~thermo_rl.cli._common.Interrupted` with the
  part already computed (e.g. the finished temperatures of a scan) gets it printed;
  exit status 130.
* :func:`main` returns an ``int`` in every path (``0`` success, ``1`` internal error,
  ``2`` usage error, ``130`` interrupted); it never calls ``sys.exit`` itself.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import sys
import traceback

from .. import __version__
from ..errors import UserError
from ..results import DEFAULT_SEED, jsonable
from . import _common
from ._common import Interrupted, check_out_dir

SUBCOMMANDS = ("levels", "ising", "potts", "anneal", "bandit", "llm", "controls", "free-energy",
               "sweep", "bench", "tour")

__all__ = ["SUBCOMMANDS", "build_parser", "dumps", "main"]


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own errors: one line, status 2
        self.exit(2, f"{self.prog}: error: {message}\n")

    def _get_values(self, action, arg_strings):
        # argparse drops "--" even from "--flag=--" and then hands the flag an empty list
        if action.nargs is None and action.option_strings and arg_strings == ["--"]:
            self.error(f"argument {'/'.join(action.option_strings)}: expected one value, "
                       "got '--'")
        return super()._get_values(action, arg_strings)


def _seed(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        v = -1
    if v < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}")
    return v


def _available():
    for name in SUBCOMMANDS:                  # a subcommand's module: its name, - as _
        mod = f"thermo_rl.cli.{name.replace('-', '_')}"
        if importlib.util.find_spec(mod) is not None:
            yield name, importlib.import_module(mod)


def add_common_arguments(p, *, suppress_defaults: bool = False) -> None:
    """The options every subcommand shares (added by :func:`build_parser`).

    ``suppress_defaults`` is for the actions of a nested subcommand (``llm pretrain``):
    the options may follow the action too, and one not given there leaves the value
    parsed before the action alone (argparse's ``SUPPRESS`` default).
    """
    def d(value):
        return argparse.SUPPRESS if suppress_defaults else value

    common = p.add_argument_group("common options")
    common.add_argument("--seed", type=_seed, default=d(DEFAULT_SEED),
                        help=f"random seed, an integer >= 0 (default {DEFAULT_SEED})")
    common.add_argument("--json", action="store_true", default=d(False),
                        help="print one JSON object on stdout and nothing else there")
    common.add_argument("--no-progress", dest="progress", action="store_false", default=d(True),
                        help="hide progress bars (they go to stderr)")
    common.add_argument("--out", default=d(None),
                        help="folder for figures, checked before computing (default: none "
                             "saved, except by tour)")
    common.add_argument("--traceback", action="store_true", default=d(False),
                        help="on an error, print the full Python traceback (for bug reports)")


def build_parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(
        prog="thermo-rl",
        description="Free energy, not reward: Boltzmann ensembles, annealing, bandits and RL.")
    parser.add_argument("--version", action="version", version=f"thermo-rl {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_ArgumentParser)
    for name, module in _available():
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        add_common_arguments(p)
        p.set_defaults(_module=module)
    return parser


def dumps(result, **kw) -> str:
    """Strict JSON of ``result`` (arrays as lists, NaN and infinities as ``null``)."""
    return json.dumps(jsonable(result), allow_nan=False, **kw)


def _one_line(exc) -> str:
    msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
    text = " ".join(str(msg).split()) or type(exc).__name__
    if isinstance(exc, OSError) and exc.filename is not None and str(exc.filename) not in text:
        text = f"{text}: {exc.filename}"
    return text


def _print_result(module, args, result) -> None:
    if args.json:
        print(dumps(result), flush=True)
    else:
        render = getattr(module, "render", None)
        print(render(result) if render else dumps(result, indent=2), flush=True)


def main(argv=None) -> int:
    """Run ``thermo-rl`` with ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:            # --help, --version (0) and argparse errors (2)
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    os.environ.setdefault("MPLBACKEND", "Agg")      # the CLI only saves figures, never shows
    module = args._module
    prog = f"thermo-rl {args.command}"
    _common.SAVE_ERRORS.clear()
    try:
        if args.out is None:
            args.out = getattr(module, "DEFAULT_OUT", None)
        if args.out is not None:
            check_out_dir(args.out)
        result = module.run(args)
    except Interrupted as exc:
        if exc.partial is not None:
            _print_result(module, args, exc.partial)
        print(f"{prog}: interrupted; {exc.what}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except (UserError, OSError, argparse.ArgumentTypeError, ValueError) as exc:
        if args.traceback:
            traceback.print_exc()
        print(f"{prog}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 (a bug: one line here; --traceback for the report)
        if args.traceback:
            traceback.print_exc()
        print(f"{prog}: internal error (a bug, please report it with --traceback): "
              f"{type(exc).__name__}: {_one_line(exc)}", file=sys.stderr)
        return 1
    _print_result(module, args, result)
    if _common.SAVE_ERRORS:
        first = _common.SAVE_ERRORS[0]
        more = f" (and {len(_common.SAVE_ERRORS) - 1} more)" if len(_common.SAVE_ERRORS) > 1 \
            else ""
        print(f"{prog}: error: could not save {first}{more}; the results above are complete",
              file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

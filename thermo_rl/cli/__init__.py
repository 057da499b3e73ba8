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
``check(args) -> dict | None`` (optional, expected of every subcommand)
    checks every flag (with the library's own checks, e.g. through
    :func:`thermo_rl._validation.check_call`) and does nothing expensive; it may return a
    short summary of what would run. :func:`main` calls it before ``run``, so that no
    work starts before every flag is checked, and a module with ``check`` gets
    ``--dry-run``: check, print the summary, exit 0;
``render(result) -> str`` (optional)
    the human-readable text printed without ``--json``; a value may be ``None`` (a
    non-finite number, or one the result does not have): format numbers with
    :func:`thermo_rl.cli._common.num`, which prints ``-`` for it;
``DEFAULT_OUT`` (optional)
    the figure folder used when ``--out`` is not given (``tour``).

What every subcommand gets for free from :func:`main`:

* ``--out`` is checked before any computation (a writable folder, created if missing --
  after every flag is checked, and never by ``--dry-run``); a figure that still fails to
  save (``_common.save_figure``) is reported after the result has been printed, so a
  long run is never lost.
* Errors: :class:`thermo_rl.errors.UserError` (bad input; every library check raises
  it), ``OSError`` (files) and argparse errors print one line on stderr and exit with
  status 2. Anything else -- a plain ``ValueError`` or ``TypeError`` from inside a library
  call included -- is a bug: one line saying so, exit status 1; ``--traceback`` shows the
  full traceback (for bug reports). (A plain ``ValueError`` raised by this package's own
  command-line code, not by a library call, still reads as a flag check: older
  subcommands raise it; new code raises ``UserError``.) Printing the result is inside
  the same handling.
* ``--dry-run`` (modules with ``check``): every flag checked, nothing run, exit 0.
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


def add_common_arguments(p, *, suppress_defaults: bool = False, module=None) -> None:
    """The options every subcommand shares (added by :func:`build_parser`).

    ``suppress_defaults`` is for the actions of a nested subcommand (``llm pretrain``):
    the options may follow the action too, and one not given there leaves the value
    parsed before the action alone (argparse's ``SUPPRESS`` default). ``module``: the
    subcommand's module; one that defines ``check(args)`` gets ``--dry-run``, and the
    parsed arguments carry that check (``args._check``) for :func:`main`.
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
    check = getattr(module, "check", None)
    if callable(check):
        common.add_argument("--dry-run", action="store_true", default=d(False),
                            help="check every flag, print what would run, run nothing")
        p.set_defaults(_check=check)


def build_parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(
        prog="thermo-rl",
        description="Free energy, not reward: Boltzmann ensembles, annealing, bandits and RL.")
    parser.add_argument("--version", action="version", version=f"thermo-rl {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_ArgumentParser)
    for name, module in _available():
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        add_common_arguments(p, module=module)
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


def _text(module, args, result) -> str:
    """What is printed: the JSON, or the module's text (built before anything is printed,
    so a renderer's bug prints nothing half-way)."""
    if args.json:
        return dumps(result)
    if isinstance(result, dict) and result.get("dry_run") is True:
        return _render_dry_run(args, result)
    render = getattr(module, "render", None)
    return render(result) if render else dumps(result, indent=2)


def _render_dry_run(args, result) -> str:
    lines = [f"thermo-rl {args.command}: every flag checked; nothing run (--dry-run)"]
    lines += [f"  {k}: {_common.short(v)}" for k, v in result.items() if k != "dry_run"]
    return "\n".join(lines)


def _dry_run(args) -> bool:
    return bool(getattr(args, "dry_run", False))


def _check_and_run(module, args):
    """``--out`` checked, ``check(args)`` (when the subcommand has it); then, unless
    --dry-run, ``--out`` created and ``run(args)``: nothing is written before every flag
    is checked."""
    if args.out is not None:
        check_out_dir(args.out, create=False)
    check = getattr(args, "_check", None)
    summary = check(args) if check is not None else None
    if _dry_run(args):
        return {"dry_run": True, **(summary or {})}
    if args.out is not None:
        check_out_dir(args.out)
    return module.run(args)


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
    args._argv = list(sys.argv[1:] if argv is None else argv)   # the command, for records
    os.environ.setdefault("MPLBACKEND", "Agg")      # the CLI only saves figures, never shows
    module = args._module
    prog = f"thermo-rl {args.command}"
    _common.SAVE_ERRORS.clear()
    try:
        if args.out is None:
            args.out = getattr(module, "DEFAULT_OUT", None)
        try:
            result = _check_and_run(module, args)
        except Interrupted as exc:
            if exc.partial is not None:
                print(_text(module, args, exc.partial), flush=True)
            print(f"{prog}: interrupted; {exc.what}", file=sys.stderr)
            return 130
        print(_text(module, args, result), flush=True)
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except (UserError, OSError, argparse.ArgumentTypeError) as exc:
        return _usage_error(prog, args, exc)
    except ValueError as exc:
        if _raised_here(exc):
            return _usage_error(prog, args, exc)
        return _internal_error(prog, args, exc)
    except Exception as exc:  # noqa: BLE001 (a bug: one line here; --traceback for the report)
        return _internal_error(prog, args, exc)
    if _common.SAVE_ERRORS:
        first = _common.SAVE_ERRORS[0]
        more = f" (and {len(_common.SAVE_ERRORS) - 1} more)" if len(_common.SAVE_ERRORS) > 1 \
            else ""
        print(f"{prog}: error: could not save {first}{more}; the results above are complete",
              file=sys.stderr)
        return 2
    return 0


def _raised_here(exc) -> bool:
    """Whether ``exc`` was raised by the command line's own code (thermo_rl/cli/), not
    inside a library call."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and \
        os.path.dirname(os.path.abspath(tb.tb_frame.f_code.co_filename)) == _HERE


_HERE = os.path.dirname(os.path.abspath(__file__))


def _usage_error(prog, args, exc) -> int:
    if args.traceback:
        traceback.print_exc()
    print(f"{prog}: error: {_one_line(exc)}", file=sys.stderr)
    return 2


def _internal_error(prog, args, exc) -> int:
    if args.traceback:
        traceback.print_exc()
    print(f"{prog}: internal error (a bug, please report it with --traceback): "
          f"{type(exc).__name__}: {_one_line(exc)}", file=sys.stderr)
    return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

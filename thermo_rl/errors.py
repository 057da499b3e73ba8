"""The package's one user-error class: bad input from the caller, never a bug.

Every public function checks its input and raises :class:`UserError` (a
``ValueError``) or :class:`UserTypeError` (also a ``TypeError``) with a message that
names the argument and says what was expected. Code that catches ``ValueError`` or
``TypeError`` keeps working; the command line (:mod:`thermo_rl.cli`) catches exactly
these (and ``OSError``) as usage errors: one line on stderr, exit status 2. Any other
exception is a bug: the CLI says so (exit status 1) and ``--traceback`` shows it.

Renamed public names keep their old name for one release; using it issues a
``PendingDeprecationWarning`` (silent by default, so notebooks and scripts keep
running unchanged; ``python -W default`` or pytest shows it). The next release turns
it into a ``DeprecationWarning``.

Examples
--------
>>> from thermo_rl.errors import UserError
>>> from thermo_rl.physics.ising import simulate
>>> try:
...     simulate(L=3)
... except UserError as exc:
...     print(exc)
L must be even for checkerboard updates, got 3
"""

from __future__ import annotations

__all__ = ["UserError", "UserTypeError"]


class UserError(ValueError):
    """Bad input from the user or caller (a value out of range, an unknown name, ...)."""


class UserTypeError(UserError, TypeError):
    """Input of the wrong type (a string where a number was expected, ...)."""

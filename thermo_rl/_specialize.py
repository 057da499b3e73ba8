"""Compile one generic Numba loop per plug-in (private).

A generic loop is plain Python written against a few global names (say ``_act``,
``_learn``). :func:`specialize` makes a copy of the function whose globals bind those
names to a plug-in's ``@njit`` kernels and compiles it with ``cache=True`` under its own
name, so every plug-in gets its own compiled loop with the kernels inlined, loaded from
the on-disk cache in later processes. (Passing kernels as first-class function
arguments also works, but Numba cannot cache such functions across processes, and
compile time counts.) Used by the annealing engine and the bandit kernels.
"""

from __future__ import annotations

import types

from numba import njit

__all__ = ["specialize"]


def specialize(fn, prefix: str, bindings: dict, **njit_options):
    """``njit(cache=True, **njit_options)`` of a copy of ``fn`` with ``bindings`` as globals.

    The copy is named ``<prefix>_<fn.__name__>`` (the cache key). Its globals are a
    snapshot taken now: call this after everything the loop uses is defined.
    """
    g = dict(fn.__globals__)
    g.update(bindings)
    name = f"{prefix}_{fn.__name__}"
    new = types.FunctionType(fn.__code__, g, name, fn.__defaults__)
    new.__qualname__ = name
    new.__doc__ = fn.__doc__
    new.__module__ = fn.__module__
    return njit(cache=True, **njit_options)(new)

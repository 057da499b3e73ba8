"""The notebooks' exercise checks, shown short: one line per test case, the hint of a failing one.

The course's exercises are graded by otter-grader (``grader.check("nb06_pi_star")``). Its
report of an unsolved exercise repeats the doctest traceback of every case, about 200 lines;
:func:`short_check` wraps the result so that the notebook shows one line per case (passed,
or failed with the error's first line) and the case's hint, wrapped at 88 columns.
``print(result)`` (or ``grader.check(...)`` alone) still shows otter's full report.

Examples
--------
>>> from types import SimpleNamespace as NS
>>> case = NS(test_case=NS(name="nb - 1", failure_message="work it out by hand"),
...           passed=False, message="NotImplementedError: write it")
>>> res = NS(name="nb", passed_all=False, test_case_results=[case])
>>> print(repr(short_check(res)))
nb results: 0 of 1 test cases passed
  nb - 1: ❌ Test case failed (NotImplementedError: write it)
    hint: work it out by hand
"""

from __future__ import annotations

import textwrap

__all__ = ["ShortCheck", "short_check"]


class ShortCheck:
    """An otter ``GradingResults``-like object, shown one line per test case."""

    def __init__(self, result, width: int = 88):
        self.result = result
        self.width = width

    def __repr__(self) -> str:
        r = self.result
        if r.passed_all:
            return r.summary()
        cases = r.test_case_results
        lines = [f"{r.name} results: {sum(t.passed for t in cases)} of {len(cases)} test "
                 "cases passed"]
        for t in cases:
            if t.passed:
                lines.append(f"  {t.test_case.name}: ✅ Test case passed")
                continue
            err = [ln.strip() for ln in (t.message or "").splitlines()
                   if ln.strip().split(":")[0].endswith(("Error", "Exception"))]
            why = err[0] if err else "a value differs from the expected one"
            lines.append(f"  {t.test_case.name}: ❌ Test case failed ({why})")
            lines += textwrap.wrap(f"hint: {t.test_case.failure_message}", self.width,
                                   initial_indent="    ", subsequent_indent="    ")
        return "\n".join(lines)


def short_check(result, width: int = 88) -> ShortCheck:
    """``result`` of otter's ``grader.check(...)``, displayed one line per test case with
    the hint of each failing one (lines at most ``width`` characters)."""
    return ShortCheck(result, width)

"""thermo_rl.grading: otter's check result shown one line per case, hints wrapped."""

from types import SimpleNamespace as NS

from thermo_rl.grading import short_check


def _case(name, passed, message="", hint="a hint"):
    return NS(test_case=NS(name=name, failure_message=hint), passed=passed, message=message)


def test_failing_cases_show_the_error_line_and_the_wrapped_hint():
    tb = "Traceback (most recent call last):\n  File x\nValueError: shape (3,) != (4,)\n"
    res = NS(name="nb", passed_all=False, test_case_results=[
        _case("nb - 1", True), _case("nb - 2", False, tb, "word " * 40),
        _case("nb - 3", False, "Expected:\n 1\nGot:\n 2\n")])
    lines = repr(short_check(res, width=60)).splitlines()
    assert lines[0] == "nb results: 1 of 3 test cases passed"
    assert lines[1] == "  nb - 1: ✅ Test case passed"
    assert lines[2] == "  nb - 2: ❌ Test case failed (ValueError: shape (3,) != (4,))"
    hint = [ln for ln in lines if ln.startswith("    ")]
    assert hint[0].startswith("    hint: word") and all(len(ln) <= 60 for ln in hint)
    assert "(a value differs from the expected one)" in lines[-2]
    assert lines[-1] == "    hint: a hint"


def test_all_passed_shows_otters_summary():
    res = NS(name="nb", passed_all=True, test_case_results=[], summary=lambda: "nb passed!")
    assert repr(short_check(res)) == "nb passed!"

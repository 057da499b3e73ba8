"""Property test of the command line: bad values for every flag of every subcommand.

Hypothesis draws a flag (from the parser itself, so new flags are covered) and a value
(from a list of classic bad values plus random text), adds it to a cheap valid command
line and runs ``main``. Whatever the value, the outcome is a clean success (the value
happened to be valid) or a usage error: status 2, exactly one line on stderr, no
traceback -- never an internal error (status 1), a crash or a warning. The values in
``DEFINITELY_BAD`` must give status 2.
"""

import contextlib
import io
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from thermo_rl.cli import build_parser, main

# a cheap valid command line per subcommand (bench/tour/llm/sweep are checked on their
# cheap flags only: their valid runs take seconds to minutes)
BASE = {
    "levels": ["levels"],
    "ising": ["ising", "--L=4", "--sweeps=32", "--burn-in=4", "--T=2"],
    "potts": ["potts", "--L=4", "--sweeps=32", "--burn-in=4", "--T=1"],
    "anneal": ["anneal", "--problem=sk", "--n=8", "--sweeps=4", "--runs=1"],
    "bandit": ["bandit", "--runs=2", "--steps=4", "--policy=greedy,pg"],
    "free-energy": ["free-energy", "--L=4", "--chains=2", "--steps=10", "--points=5",
                    "--sweeps=32", "--ln-f=0.01", "--runs=2", "--samples=100"],
}
CHEAP_FLAGS = {"bench": ["areas"], "tour": ["--acts"], "sweep": ["spec", "--workers"]}
SKIP = {"--out", "--seed", "--json", "--no-progress", "--traceback", "--help"}

BAD_TOKENS = ["nan", "inf", "-inf", "NaN", "1e999", "-1e999", "-1", "0", "-0.5", "0.5",
              "abc", "", " ", "1:2", "1:2:0", "1:2:-3", "1:2:1e12", "0x10", "1,,2", ",",
              "--", "1e-400", "999999999999999999999", "-999999999999", "3.7", "1_000",
              "1:inf:3", "nan,1", "1e308,-1e308", "é", "\x00", "all,all", "none"]

DEFINITELY_BAD = {
    "levels": [("--T", "nan"), ("--T", "-1"), ("--energies", "abc"), ("--T", "1:2:0"),
               ("--T", "--"), ("--energies", "1e308,-1e308")],
    "ising": [("--L", "3"), ("--L", "-4"), ("--sweeps", "0"), ("--J", "inf"), ("--T", "0"),
              ("--burn-in", "-1"), ("--L", "999999999999999999999"), ("--T", "--"),
              ("--burn-in", "999999999999999999999")],
    "potts": [("--q", "1"), ("--q", "999"), ("--J", "-1"), ("--algorithm", "msc"),
              ("--burn-in", "999999999999999999999")],
    "anneal": [("--problem", "nosuch"), ("--n", "0"), ("--runs", "0"),
               ("--sweeps", "999999999999999999999"), ("--schedule", "abc")],
    "bandit": [("--runs", "999999999999999999999"), ("--steps", "0"), ("--epsilon", "2"),
               ("--k", "999999999999999999999"), ("--steps", "999999999999999999999"),
               ("--policy", "nosuch"), ("--lr", "nan"), ("--T", "-1")],
    "free-energy": [("--L", "3"), ("--method", "is"), ("--T", "0"), ("--chains", "1"),
                    ("--grid", "cubic"), ("--ln-f", "2"), ("--system", "xy"),
                    ("--steps", "999999999999999999999"), ("--Q", "abc")],
    "bench": [("areas", "dragons")],
    "tour": [("--acts", "dragons")],
    "sweep": [("spec", "/nonexistent/spec.toml")],
}


def _flags(name):
    sub = build_parser()._subparsers._group_actions[0].choices[name]
    out = []
    for a in sub._actions:
        key = a.option_strings[-1] if a.option_strings else a.dest
        if key in SKIP or a.nargs == 0 or a.dest in ("help", "llm_action"):
            continue
        out.append((key, a))
    return out


def _run(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
            warnings.catch_warnings():
        warnings.simplefilter("error")             # a warning would be a second line
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def _argv(name, key, value):
    base = BASE.get(name, [name])
    if key.startswith("-"):
        return base + [f"{key}={value}"]
    return base + [value]                          # a positional (bench AREA, sweep SPEC)


def _check(name, key, value, must_fail=False):
    code, out, err = _run(_argv(name, key, value))
    lines = err.strip().splitlines()
    assert "Traceback" not in err, (name, key, value, err)
    assert code in (0, 2), (name, key, value, code, err)
    if code == 2 or must_fail:
        assert code == 2, (name, key, value, code, out[:200])
        assert len(lines) == 1, (name, key, value, err)
        assert lines[0].startswith("thermo-rl"), (name, key, value, err)
        assert out == "", (name, key, value)
    return code


@pytest.mark.parametrize("name", sorted(set(BASE) | set(CHEAP_FLAGS)))
@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_bad_values_are_usage_errors(name, data):
    flags = [(k, a) for k, a in _flags(name) if name in BASE or k in CHEAP_FLAGS[name]]
    key, _action = data.draw(st.sampled_from(flags), label="flag")
    value = data.draw(st.one_of(st.sampled_from(BAD_TOKENS),
                                st.text(min_size=0, max_size=12)), label="value")
    if name not in BASE and value.strip() and "dragons" not in value:
        value = "zz-" + value                        # never a valid area/act/spec: no long run
    _check(name, key, value)


@pytest.mark.parametrize("name,key,value", [(n, k, v) for n, kv in DEFINITELY_BAD.items()
                                            for k, v in kv])
def test_definitely_bad_values_exit_2_with_one_line(name, key, value):
    _check(name, key, value, must_fail=True)


def test_values_the_property_test_found_now_run():
    """A frozen antiferromagnet (m = 0 in every sample) crashed in Binder's cumulant."""
    import json

    code, out, err = _run(BASE["ising"] + ["--J=-999999999999", "--json"])
    assert code == 0, err
    assert json.loads(out)["points"][0]["binder"] is None          # undefined, not a crash

"""One symbol per meaning: the course's notebooks against the dictionary of 00_index.

00_index's table "One symbol per meaning" lists every symbol the course uses, one meaning
each. These tests check what can be checked mechanically:

* the table itself gives each symbol one row (one meaning);
* every symbol in a notebook's Markdown math (and in the Markdown a notebook prints from
  its run, and in the math of the figure labels its code cells set) is in the table;
* none of the clashes the course review found comes back: $H$ as a Hamiltonian, $z$ as a
  dynamic exponent or a z-score, $\\beta$ as the KL coefficient, $\\tau$ as a sampling
  temperature or as imaginary time, $m$ as a mass or as the number of equal arms.

A symbol's *meaning* in running prose cannot be checked by a program; the clash patterns
are the checkable part of it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")

ROOT = Path(__file__).resolve().parents[1]
NB_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NB_DIR.glob("*.ipynb")) + sorted((NB_DIR / "solutions").glob("*.ipynb"))
INDEX = NB_DIR / "00_index.ipynb"

# Notebooks whose rewrite for this rule is scheduled after the language issues land:
# checked, and expected to fail until then (strict=False: they pass once fixed).
PENDING: dict[str, str] = {}

GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta",
    "vartheta", "iota", "kappa", "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau",
    "upsilon", "phi", "varphi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda",
    "Xi", "Pi", "Sigma", "Phi", "Psi", "Omega",
}
ACCENTS = {"hat", "bar", "tilde", "vec"}             # on one letter: a symbol of its own
SKIP_NEXT = {"mathcal", "mathbb", "mathscr"}          # \mathcal N, \mathbb 1: notation
TEXT_CMDS = r"mathrm|text|textrm|operatorname|textbf|mathbf|textit"

# (pattern, what is wrong); searched in Markdown text (math and prose) and figure labels
CLASHES = [
    (r"e\^\{-\\beta\s*H", "H is entropy; the energy operator (Hamiltonian) is \\hat E"),
    (r"L\^\{?z(?![_{\w])", "z is the logits; the dynamic exponent is z_int"),
    (r"\brms z\b|\bz\s*=\s*(the\s+)?(difference|deviation)", "z is the logits; say 'pull' "
     "(difference over error bar) for a z-score"),
    (r"\\beta\s*\\,?\s*\\mathrm\{KL\}|r/\\beta\b|e\^\{r/\\beta\}|-\s*\\beta\s*\\cdot?\s*KL",
     "beta is 1/T; the KL coefficient is lambda"),
    (r"z\s*/\s*\\tau\b|\\tau\s*\\in\s*\[0", "tau is a relaxation time; a sampling temperature "
     "is T_s, imaginary time is u"),
    (r"\\omega\s*=\s*m\b|\bm\s*=\s*\\hbar", "m is the magnetization; say 'unit mass'"),
    (r"1/m\b", "m is the magnetization; the number of equal arms is M"),
]
LABEL_CLASHES = CLASHES + [(r"(?<![\w\\])z\s*=\s*[-\d{]", "z is the logits; the dynamic "
                                                          "exponent is z_int")]

LABEL_CALL = re.compile(r"(?:set_[xy]label|set_title|suptitle|label|title|ylabel|xlabel)"
                        r"\s*[=(]\s*[rfRF]{0,2}(\"[^\"\n]*\"|'[^'\n]*')")
MATH = re.compile(r"\$\$(.+?)\$\$|(?<!\\)\$(.+?)(?<!\\)\$", re.DOTALL)
TOKEN = re.compile(r"\\(?P<cmd>[A-Za-z]+)\s*|(?P<letter>[A-Za-z])|(?P<other>.)", re.DOTALL)


def _subscript(s: str, i: int):
    """The subscript starting at s[i] == '_': (text, index after it)."""
    j = i + 1
    while j < len(s) and s[j] == " ":
        j += 1
    if j >= len(s):
        return "", j
    if s[j] == "{":
        depth, k = 0, j
        while k < len(s):
            depth += {"{": 1, "}": -1}.get(s[k], 0)
            if depth == 0:
                return s[j + 1:k], k + 1
            k += 1
        return s[j + 1:], len(s)
    if s[j] == "\\":
        m = re.match(r"\\[A-Za-z]+", s[j:])
        return m.group(0), j + m.end()
    return s[j], j + 1


def _named(sub: str) -> str | None:
    """A named subscript ('end' of T_{\\rm end}, '\\infty' of e_\\infty), or None for an index."""
    m = re.search(rf"\\(?:rm|{TEXT_CMDS})\s*\{{?\s*([A-Za-z]+)", sub)
    if m:
        return m.group(1)
    if "\\infty" in sub:
        return "inf"
    if re.fullmatch(r"[A-Za-z]{3,}", sub.strip()):
        return sub.strip()
    return None


def symbols(math: str, indices: bool = True) -> list[str]:
    """The symbols of a LaTeX math string: 'T', 'T_end', '\\beta', '\\hat E', 'z_int'...

    With ``indices``, the letters of an index subscript ($p_i$) count as symbols too."""
    s = re.sub(rf"\\(?:{TEXT_CMDS})\s*\{{[^{{}}]*\}}", " ", math)
    out: list[str] = []
    i = 0
    while i < len(s):
        m = TOKEN.match(s, i)
        i = m.end()
        base = None
        if m.group("cmd"):
            cmd = m.group("cmd")
            if cmd == "rm":                                  # {\rm word}: text
                w = re.match(r"\s*[A-Za-z]+", s[i:])
                i += w.end() if w else 0
                continue
            if cmd in SKIP_NEXT:
                w = re.match(r"\s*(\{[^{}]*\}|\\?[A-Za-z0-9])", s[i:])
                i += w.end() if w else 0
                continue
            if cmd in ACCENTS:
                w = re.match(r"\s*(?:\{\s*([A-Za-z])\s*\}|([A-Za-z])(?![A-Za-z]))", s[i:])
                if not w:
                    continue                                  # \bar{\ln\pi}: read inside
                i += w.end()
                base = f"\\{cmd} {w.group(1) or w.group(2)}"
            elif cmd in GREEK:
                start = m.start()
                if cmd == "pi" and start > 0 and s[start - 1].isdigit():
                    continue                                  # 2\pi: the number
                base = f"\\{cmd}"
            else:
                continue                                      # \frac, \ln, \sum, \langle...
        elif m.group("letter"):
            c = m.group("letter")
            nxt = s[i:i + 1]
            prev = s[m.start() - 1:m.start()] if m.start() > 0 else ""
            if c == "e" and nxt == "^":
                continue                                      # Euler's number
            if c == "d" and re.match(r"\s*(\\?[A-Za-z])", s[i:]) and not prev.isalpha():
                continue                                      # a differential: dH, d\ln T
            if c == "O" and nxt == "(":
                continue
            if prev.isalpha() or nxt.isalpha():              # part of a word such as 'ln'
                word = re.match(r"[A-Za-z]+", s[m.start():])
                if word and len(word.group(0)) > 1:
                    i = m.start() + word.end()
                    continue
            base = c
        else:
            continue
        j = i
        while j < len(s) and s[j] == " ":
            j += 1
        if j < len(s) and s[j] == "_":
            sub, i = _subscript(s, j)
            name = _named(sub)
            if name:
                base = f"{base}_{name}"
            elif indices:
                out += symbols(sub)                           # index letters are symbols too
        out.append(base)
    return out


def dictionary() -> list[tuple[list[str], str]]:
    """00_index's table: (symbols of the row, meaning) per row."""
    nb = nbformat.read(INDEX, as_version=4)
    text = next(c.source for c in nb.cells
                if c.cell_type == "markdown" and "## One symbol per meaning" in c.source)
    section = text.split("## One symbol per meaning", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cols = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cols) < 2 or not cols[0].startswith("$"):
            continue
        syms = []
        for m in MATH.finditer(cols[0]):
            syms += symbols(m.group(1) or m.group(2), indices=False)
        rows.append((sorted(set(syms)), cols[1]))
    return rows


def reserved() -> set[str]:
    return {s for syms, _ in dictionary() for s in syms}


def texts(path: Path) -> list[tuple[str, str]]:
    """(where, Markdown text) of a notebook: its Markdown cells and the Markdown it printed."""
    nb = nbformat.read(path, as_version=4)
    out = []
    for k, c in enumerate(nb.cells):
        if c.cell_type == "markdown":
            out.append((f"cell {k}", c.source))
        elif c.cell_type == "code":
            for o in c.get("outputs", []):
                md = o.get("data", {}).get("text/markdown")
                if md:
                    out.append((f"cell {k} output", md))
    return out


def labels(path: Path) -> list[tuple[str, str]]:
    """(where, text) of the figure labels and titles a notebook's code cells set."""
    nb = nbformat.read(path, as_version=4)
    return [(f"cell {k}", m.group(1)[1:-1]) for k, c in enumerate(nb.cells)
            if c.cell_type == "code" for m in LABEL_CALL.finditer(c.source)]


def problems(path: Path) -> list[str]:
    allowed = reserved()
    found = []
    for where, text in texts(path):
        for m in MATH.finditer(text):
            for sym in symbols(m.group(1) or m.group(2)):
                if sym not in allowed:
                    found.append(f"{where}: ${sym}$ (in ${(m.group(1) or m.group(2))[:60]}$) "
                                 "is not in 00's dictionary")
        for pattern, why in CLASHES:
            for m in re.finditer(pattern, text):
                found.append(f"{where}: {m.group(0)!r}: {why}")
    for where, text in labels(path):
        for m in MATH.finditer(text):
            for sym in symbols(m.group(1) or m.group(2)):
                if sym not in allowed:
                    found.append(f"{where} label {text!r}: ${sym}$ is not in 00's dictionary")
        for pattern, why in LABEL_CLASHES:
            if re.search(pattern, text):
                found.append(f"{where} label {text!r}: {why}")
    return found


def test_the_dictionary_gives_each_symbol_one_meaning():
    rows = dictionary()
    assert len(rows) >= 40, "00's table of symbols was not found or lost rows"
    seen: dict[str, str] = {}
    for syms, meaning in rows:
        for s in syms:
            assert s not in seen, f"${s}$ has two rows: {seen[s][:50]!r} and {meaning[:50]!r}"
            seen[s] = meaning
    for needed in ("T", "\\beta", "\\lambda", "z", "z_int", "\\tau", "T_s", "H", "\\hat E",
                   "m", "M", "u", "K", "J"):
        assert needed in seen, f"${needed}$ is missing from 00's dictionary"


def test_the_tokenizer_reads_symbols_as_the_dictionary_means_them():
    assert symbols(r"T_{\rm end} = \gamma T_0") == ["T_end", "\\gamma", "T"]
    assert symbols(r"\tau_{\rm int} \sim L^{z_{\rm int}}") == ["\\tau_int", "L", "z_int"]
    assert symbols(r"dH = -\mathrm{Cov}(\ln\pi_a, dz_a)") == ["H", "a", "\\pi", "a", "z"]
    assert symbols(r"\overline{\ln\pi} + k_{\rm B}") == ["\\pi", "k_B"]
    assert symbols(r"e^{-\beta \hat E}, \; 2\pi x, \; \mathcal N(0, 1)") == \
        ["\\beta", "\\hat E", "x"]
    assert symbols(r"\bar r + e_\infty") == ["\\bar r", "e_inf"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_uses_the_dictionary(path, request):
    pending = PENDING.get(path.stem.removesuffix("_solutions"))
    if pending:
        request.applymarker(pytest.mark.xfail(reason=pending, strict=False))
    found = problems(path)
    assert not found, f"{len(found)} symbol problems in {path.name}:\n" + "\n".join(found[:40])


def test_a_clash_is_caught():
    """The checks can fail: each clash the review found is flagged in a made-up snippet."""
    snippets = [r"$Z = \mathrm{Tr}\, e^{-\beta H}$", r"$\tau \sim L^z$", "rms z = 1.3",
                r"$\pi^* = \pi_{\rm ref} e^{r/\beta}/Z$", r"$\mathrm{softmax}(z/\tau)$",
                r"$\omega = m = \hbar = 1$", r"coverage $\to 1/m$"]
    for text in snippets:
        assert any(re.search(p, text) for p, _ in CLASHES), text
    allowed = reserved()
    assert "y" not in allowed and "y" in symbols(r"y = ax")

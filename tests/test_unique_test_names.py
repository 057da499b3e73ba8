"""Test folders have no __init__.py, so pytest imports test files by basename: two files
with one name in different folders collide (an 'import file mismatch' error that shows only
when both land in one xdist worker)."""

from collections import Counter
from pathlib import Path


def test_test_file_basenames_are_unique():
    names = Counter(p.name for p in Path(__file__).parent.rglob("test_*.py"))
    assert not [n for n, c in names.items() if c > 1]

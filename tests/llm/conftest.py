import pytest

torch = pytest.importorskip("torch", reason="the language-model tests need torch (.[llm])")
# pytest-xdist runs one worker per core: a second torch thread per worker only oversubscribes
torch.set_num_threads(1)

# the tiny_pair_sum fixture lives in tests/conftest.py (the entropy methods' tests use it too)

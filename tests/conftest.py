import os

import pytest

os.environ.setdefault("THERMO_RL_PROGRESS", "0")
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def tiny_pair_sum():
    """A tiny model pretrained briefly on pair-sum (100 answers: exact and sampled checks)."""
    torch = pytest.importorskip("torch", reason="the language-model tests need torch (.[llm])")
    torch.set_num_threads(1)           # one thread per pytest-xdist worker (as tests/llm)
    from thermo_rl.llm.train import pretrain

    return pretrain("pair-sum", size="tiny", steps=150, batch_size=64, seed=1, progress=False,
                    device="cpu")   # pinned: tests compare runs bit for bit

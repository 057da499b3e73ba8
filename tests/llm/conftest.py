import pytest

torch = pytest.importorskip("torch", reason="the language-model tests need torch (.[llm])")


@pytest.fixture(scope="session")
def tiny_pair_sum():
    """A tiny model pretrained briefly on pair-sum (100 answers: exact and sampled checks)."""
    from thermo_rl.llm.train import pretrain

    return pretrain("pair-sum", size="tiny", steps=150, batch_size=64, seed=1, progress=False)

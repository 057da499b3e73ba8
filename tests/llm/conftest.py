import pytest

torch = pytest.importorskip("torch", reason="the language-model tests need torch (.[llm])")
# pytest-xdist runs one worker per core: a second torch thread per worker only oversubscribes
torch.set_num_threads(1)


@pytest.fixture(scope="session")
def tiny_pair_sum():
    """A tiny model pretrained briefly on pair-sum (100 answers: exact and sampled checks)."""
    from thermo_rl.llm.train import pretrain

    return pretrain("pair-sum", size="tiny", steps=150, batch_size=64, seed=1, progress=False,
                    device="cpu")   # pinned: tests compare runs bit for bit

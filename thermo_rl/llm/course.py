r"""The course's base model: a tiny GPT pretrained on pair-sum, shipped with the package.

Notebooks 05 and 06 (and the multi-seed data behind them) fine-tune one base model. Its
pretraining takes longer than a class period allows on two cores, so the checkpoint ships
as package data (``thermo_rl/llm/data/pair_sum_tiny.pt``, 1.3 MB) and the notebooks keep
only a short live pretraining as a demonstration. It was made by::

    thermo-rl llm pretrain --task pair-sum --size tiny --steps 3000 --batch-size 128 \
        --seed 0 --device cpu --out DIR        # then DIR/checkpoint.pt -> data/pair_sum_tiny.pt

(thermo_rl 0.2.0, torch 2.13.0 CPU; 100,672 parameters). Its exact answer distribution has
pass@1 0.553 against the corpus's 0.6 (the share of correct answers in the pretraining
data), pass@8 0.998, answer entropy 2.792 nats and coverage 1.000: every correct answer of
every prompt has probability mass. :func:`base_model` checks the file's SHA-256
(:data:`BASE_SHA256`) before loading it, so a damaged or replaced file is refused.

Examples
--------
>>> from thermo_rl.llm.course import base_model
>>> pre = base_model()                                   # doctest: +SKIP
>>> round(pre.distribution().metrics()["pass@1"], 3)     # doctest: +SKIP
0.553
"""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

from .train import CheckpointError, Pretrained, load_checkpoint

__all__ = ["BASE_COMMAND", "BASE_PATH", "BASE_SHA256", "COMPARE_COMMAND", "COMPARE_PATH",
           "base_model",
           "controls_comparison"]

#: The shipped checkpoint.
BASE_PATH = Path(__file__).with_name("data") / "pair_sum_tiny.pt"
#: Its SHA-256, checked on every load.
BASE_SHA256 = "f118af045124562c705dfbe9569dfd1c469339ab1c203b95ac9118a985b01b3c"
#: The command that made it.
BASE_COMMAND = ("thermo-rl llm pretrain --task pair-sum --size tiny --steps 3000 "
                "--batch-size 128 --seed 0 --device cpu --out DIR")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def base_model(device="cpu") -> Pretrained:
    """The shipped base model (pair-sum, tiny), on ``device`` (``"cpu"``, ``"cuda"`` or
    ``"auto"``). Raises :class:`~thermo_rl.llm.train.CheckpointError` when the file is
    missing or its hash differs from :data:`BASE_SHA256`. ``settings["version"]`` names
    the thermo_rl version that wrote it; a later version loads it without a warning
    (the hash pins the file, so it is known to fit)."""
    if not BASE_PATH.exists():
        raise CheckpointError(f"the course's base model is missing ({BASE_PATH}); "
                              f"reinstall thermo_rl or remake it with: {BASE_COMMAND}")
    digest = _sha256(BASE_PATH)
    if digest != BASE_SHA256:
        raise CheckpointError(f"{BASE_PATH} has SHA-256 {digest[:12]}..., not the shipped "
                              f"{BASE_SHA256[:12]}...: reinstall thermo_rl")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*was written by thermo_rl")
        return load_checkpoint(BASE_PATH, device=device)


# ----------------------------------------------------------------------------- controls
#: Notebook 05's multi-seed comparison of the entropy controls, made by
#: :data:`COMPARE_COMMAND` (``thermo-rl llm compare --seeds``; the file records the
#: command, the package version and every setting).
COMPARE_PATH = Path(__file__).with_name("data") / "controls_pair_sum.json"
#: The command that made it: nine runs (no control, the KL penalty, the entropy bonus,
#: Clip-Cov and the five newer methods EPO, REPO, REPO-R, ADAPO, AEPO) x three seeds, 150
#: steps of 32 prompts x 8 samples. 380 s wall, 216 s CPU with ``OMP_NUM_THREADS=1`` on a
#: shared 2-core AMD EPYC (load average 4); thermo_rl 0.2.0, torch 2.13.0 CPU. Final means
#: over the seeds (± standard error): no control pass@1 0.922 ± 0.028, coverage 0.42 ± 0.02,
#: KL(pi || pi*) 1.90 ± 0.23 nats; KL penalty 0.933 ± 0.003, 0.97 ± 0.01, 0.28 ± 0.04; of
#: the newer methods EPO ends nearest pi* (0.80 ± 0.10 nats); the base model is at 1.65.
COMPARE_COMMAND = ("thermo-rl llm compare --course-model --device cpu "
                   "--controls none,kl-penalty,entropy-bonus,clip-cov,epo,repo,repo-r,adapo,"
                   "aepo --seeds 3 --steps 150 --prompts 32 --group 8 --lr 1e-3 "
                   "--eval-every 10 --no-progress --out thermo_rl_out/compare05")


def controls_comparison(path=None):
    """The shipped multi-seed comparison (:data:`COMPARE_PATH`, or ``path``: a
    ``llm_compare_seeds.json`` written by ``thermo-rl llm compare --seeds N --out``) as a
    :class:`~thermo_rl.llm.rl_results.SeedsResult`; ``settings["command"]`` and
    ``settings["version"]`` say what made it (:func:`thermo_rl.cli.llm_compare.rerun` runs
    it again).

    Examples
    --------
    >>> from thermo_rl.llm.course import controls_comparison
    >>> res = controls_comparison()
    >>> res.settings["command"].startswith("thermo-rl llm compare --course-model")
    True
    """
    import json

    from .rl_results import SeedsResult

    path = COMPARE_PATH if path is None else Path(path)
    if not path.exists():
        raise CheckpointError(f"no comparison at {path}; make it with "
                              f"{COMPARE_COMMAND!r}")
    try:
        d = json.loads(path.read_text())
        res = SeedsResult.from_dict(d)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CheckpointError(f"{path} is not a comparison written by `thermo-rl llm compare "
                              f"--seeds` ({type(exc).__name__}); make it again with "
                              f"{COMPARE_COMMAND!r}") from None
    res.settings = {**res.settings, "version": d.get("version"), "command": d.get("command")}
    return res

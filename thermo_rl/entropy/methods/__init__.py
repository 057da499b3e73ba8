"""The registered entropy controls, one class per file (:mod:`thermo_rl.entropy.registry`).

Adding a control: one file here with one :class:`~thermo_rl.entropy.registry.Control`
subclass decorated with :func:`~thermo_rl.entropy.registry.register`, its import below,
and its test.
"""

from . import (  # noqa: F401  (each import registers a control)
    adapo,
    aepo,
    anneal_temperature,
    clip_cov,
    clip_cov_top,
    clip_higher,
    entrocraft,
    entrocraft_abstract,
    entropy_bonus,
    epo,
    high_entropy,
    kl_cov,
    kl_penalty,
    none,
    repo,
    repo_r,
    target_entropy,
)

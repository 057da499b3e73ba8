"""Lazy torch import and device choice for :mod:`thermo_rl.llm`.

torch is an optional extra (``pip install -e ".[llm]"``): the rest of the package
imports without it, and every torch path in ``thermo_rl.llm`` goes through
:func:`require_torch`, which raises one clear error when it is missing.
"""

from __future__ import annotations

import contextlib
import importlib

from ..errors import UserError, UserTypeError

__all__ = ["DEVICES", "PRECISIONS", "autocast", "bf16_supported", "cache_dtype", "deterministic",
           "require_torch", "resolve_device", "resolve_precision"]

DEVICES = ("auto", "cpu", "cuda")


def require_torch():
    """Return the ``torch`` module, or raise ``ImportError`` saying how to install it."""
    try:
        return importlib.import_module("torch")
    except ImportError:
        raise ImportError("thermo_rl.llm needs PyTorch: pip install -e \".[llm]\" "
                          "(a CPU build: pip install torch --index-url "
                          "https://download.pytorch.org/whl/cpu)") from None


def resolve_device(device: str = "auto"):
    """``"auto"`` picks CUDA when present, else the CPU; ``"cuda"`` without CUDA is an error.

    Returns a ``torch.device``. Accepts ``"cuda:1"`` style names and ``torch.device``.
    """
    torch = require_torch()
    if isinstance(device, torch.device):
        device = str(device)
    if not isinstance(device, str):
        raise UserTypeError(f"device must be one of {', '.join(DEVICES)}, got {device!r}")
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cpu":
        return torch.device("cpu")
    if device == "cuda" or device.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise UserError("device 'cuda' was asked for but CUDA is not available on this "
                             "machine (use --device cpu or auto)")
        return torch.device(device)
    raise UserError(f"unknown device {device!r}; expected one of: {', '.join(DEVICES)}")


#: Precisions of the language model's forward pass: ``fp32`` everywhere (the default,
#: exact on the CPU), ``bf16`` (bfloat16 autocast), ``auto`` (bf16 on a CUDA device that
#: supports it, else fp32).
PRECISIONS = ("fp32", "bf16", "auto")


@contextlib.contextmanager
def deterministic(*, warn_only: bool = False):
    """Deterministic kernels while inside (``torch.use_deterministic_algorithms``, cuDNN's
    deterministic mode, and cuBLAS's fixed workspace ``CUBLAS_WORKSPACE_CONFIG=:4096:8``
    when not set already): on a GPU, the same seed then gives the same bits; the previous
    settings come back afterwards. An operation without a deterministic kernel raises
    (``warn_only=True``: warns). On the CPU every kernel the package uses already is."""
    import os

    torch = require_torch()
    before = (torch.are_deterministic_algorithms_enabled(),
              torch.is_deterministic_algorithms_warn_only_enabled(),
              torch.backends.cudnn.deterministic, os.environ.get("CUBLAS_WORKSPACE_CONFIG"))
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(True, warn_only=warn_only)
    torch.backends.cudnn.deterministic = True
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(before[0], warn_only=before[1])
        torch.backends.cudnn.deterministic = before[2]
        if before[3] is None:
            os.environ.pop("CUBLAS_WORKSPACE_CONFIG", None)


def _device_type(device) -> str:
    return getattr(device, "type", None) or str(device).split(":")[0]


def bf16_supported(device) -> bool:
    """Whether ``device`` runs bfloat16 natively: a CUDA device with bf16 support
    (compute capability 8.0 or later); never the CPU (CPU autocast exists but is slow)."""
    torch = require_torch()
    return (_device_type(device) == "cuda" and torch.cuda.is_available()
            and torch.cuda.is_bf16_supported())


def resolve_precision(precision: str = "fp32", device="cpu") -> str:
    """``"fp32"`` or ``"bf16"``: the precision the forward pass runs in on ``device``.

    ``auto`` is bf16 on a CUDA device that supports it (:func:`bf16_supported`), else
    fp32. ``bf16`` asked for explicitly is an error on a GPU without bf16 support and
    allowed on the CPU (slow there: meant for tests). One policy, one precision: the sampler
    (:meth:`~thermo_rl.llm.model.GPT.generate`) and the scoring of its samples must run
    in the same one, or the update learns from a distribution that was not sampled.

    Examples
    --------
    >>> resolve_precision("auto", "cpu"), resolve_precision("bf16", "cpu")
    ('fp32', 'bf16')
    """
    if precision not in PRECISIONS:
        raise UserError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    if precision == "auto":
        return "bf16" if bf16_supported(device) else "fp32"
    if precision == "bf16" and _device_type(device) == "cuda" and not bf16_supported(device):
        raise UserError("precision 'bf16' needs a GPU with bfloat16 support (compute "
                        "capability 8.0+); use precision 'fp32' or 'auto' on this one")
    return precision


def autocast(device, precision: str = "auto"):
    """bf16 autocast where ``precision`` resolves to bf16 (:func:`resolve_precision`),
    a no-op context otherwise (float32)."""
    torch = require_torch()
    if resolve_precision(precision, device) == "bf16":
        return torch.autocast(device_type=_device_type(device), dtype=torch.bfloat16)
    return contextlib.nullcontext()


def cache_dtype(device, precision: str = "fp32"):
    """dtype of the KV cache: what the keys and values are computed in, bfloat16 under
    bf16 autocast, float32 otherwise (so a GPU without bf16 never gets a bf16 cache)."""
    torch = require_torch()
    return torch.bfloat16 if resolve_precision(precision, device) == "bf16" else torch.float32

"""Lazy torch import and device choice for :mod:`thermo_rl.llm`.

torch is an optional extra (``pip install -e ".[llm]"``): the rest of the package
imports without it, and every torch path in ``thermo_rl.llm`` goes through
:func:`require_torch`, which raises one clear error when it is missing.
"""

from __future__ import annotations

import contextlib
import importlib

from ..errors import UserError, UserTypeError

__all__ = ["DEVICES", "autocast", "require_torch", "resolve_device"]

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


def autocast(device):
    """bf16 autocast on CUDA, a no-op context on the CPU (exact float32 there)."""
    torch = require_torch()
    if getattr(device, "type", str(device)) == "cuda":
        return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()

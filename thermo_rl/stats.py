"""Error bars for correlated Monte Carlo time series.

A Markov chain's samples are correlated, so the naive error ``std / sqrt(n)``
is too small by the factor ``sqrt(2 tau_int)``, where the integrated
autocorrelation time is

    tau_int = 1/2 + sum_{t >= 1} rho(t),       rho(t) = autocorrelation at lag t

(``tau_int = 1/2`` for independent samples). This module gives

* :func:`autocorrelation` -- the normalized autocorrelation function (FFT);
* :func:`tau_int` -- ``tau_int`` with Sokal's automatic window: sum up to the
  smallest window ``W`` with ``W >= c * tau_int(W)`` (``c = 6`` by default),
  which balances the bias of a short window against the noise of a long one
  (Sokal, *Monte Carlo Methods in Statistical Mechanics*, 1996; Madras & Sokal 1988);
* :func:`bin_means` / :func:`binning_error` -- blocking: means of consecutive
  bins much longer than ``tau_int`` are nearly independent, so their spread gives
  the error of the mean;
* :func:`jackknife` -- the error of a *derived* quantity (a heat capacity, a
  Binder cumulant: any smooth function of several means) from leave-one-bin-out
  estimates;
* :func:`estimate` -- all of it for one series, as an :class:`Estimate`;
* :func:`mean_se` -- mean and standard error of independent values (seeds, runs).

Examples
--------
>>> import numpy as np
>>> from thermo_rl.stats import estimate
>>> rng = np.random.default_rng(0)
>>> x = np.empty(20000); x[0] = 0.0
>>> for t in range(1, x.size):          # AR(1) with tau_int = (1+a)/(2(1-a)) = 4.5
...     x[t] = 0.8 * x[t - 1] + rng.normal()
>>> e = estimate(x)
>>> 3.5 < e.tau_int < 5.5
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._validation import as_float_array, check_int, check_real
from .errors import UserError, UserTypeError

__all__ = [
    "Estimate",
    "autocorrelation",
    "bin_means",
    "bin_size_for",
    "binning_error",
    "estimate",
    "jackknife",
    "mean_se",
    "tau_int",
]

def mean_se(values) -> tuple[float, float]:
    """Mean and standard error ``std(ddof=1) / sqrt(n)`` of independent values (runs,
    seeds); None and non-finite values are left out; NaN error for one value.

    >>> [round(v, 4) for v in mean_se([1.0, 2.0, 3.0])]
    [2.0, 0.5774]
    """
    v = np.asarray([x for x in values if x is not None], dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return float("nan"), float("nan")
    se = float(v.std(ddof=1) / math.sqrt(v.size)) if v.size > 1 else float("nan")
    return float(v.mean()), se


#: bins are at least this many integrated autocorrelation times long
BIN_TAUS = 10.0
#: ... and there are at least this many of them (shorter bins if the series is short)
MIN_BINS = 16


@dataclass(frozen=True)
class Estimate:
    """A Monte Carlo estimate: ``mean +- error`` with its autocorrelation time.

    Attributes
    ----------
    mean : float
        Sample mean (or, for a derived quantity, the function of the means).
    error : float
        One-sigma error bar (binning, or jackknife over the same bins).
    tau_int : float
        Integrated autocorrelation time in samples (``0.5`` = uncorrelated);
        ``nan`` for derived quantities without a time series of their own.
    n : int
        Number of samples.
    """

    mean: float
    error: float
    tau_int: float
    n: int

    def as_dict(self) -> dict:
        return {"mean": self.mean, "error": self.error, "tau_int": self.tau_int, "n": self.n}

    def __format__(self, spec):
        spec = spec or ".5g"
        return f"{self.mean:{spec}} +- {self.error:.2g}"


def _series(x, name="x"):
    return as_float_array(x, name, ndim=1, min_size=2)


def autocorrelation(x) -> np.ndarray:
    """Normalized autocorrelation ``rho(t)``, ``t = 0 .. n-1`` (``rho(0) = 1``), by FFT.

    A constant series has ``rho = [1, 0, 0, ...]``.
    """
    x = _series(x)
    n = x.size
    d = x - x.mean()
    size = 1 << (2 * n - 1).bit_length()
    f = np.fft.rfft(d, size)
    acf = np.fft.irfft(f * np.conj(f), size)[:n]
    if acf[0] <= 0.0:
        out = np.zeros(n)
        out[0] = 1.0
        return out
    return acf / acf[0]


def tau_int(x, c: float = 6.0, *, return_window: bool = False):
    """Integrated autocorrelation time with Sokal's automatic windowing.

    Parameters
    ----------
    x : array_like, 1-D
        The time series (at least 2 samples).
    c : float
        Window constant: the window ``W`` is the smallest with ``W >= c tau_int(W)``
        (4 to 10 are common; 6 is Sokal's suggestion for roughly exponential decay).
    return_window : bool
        Also return ``W`` and the statistical error of ``tau_int``,
        ``tau_int * sqrt(2 (2W + 1) / n)``.

    Returns
    -------
    float, or (float, int, float)
        ``tau_int >= 0.5`` in units of samples (clipped below at 0.5).
    """
    c = check_real(c, "c", low=1.0)
    rho = autocorrelation(x)
    n = rho.size
    taus = 0.5 + np.cumsum(rho[1:])                       # tau(W) for W = 1 .. n-1
    W = np.arange(1, n)
    ok = np.nonzero(W >= c * taus)[0]
    w = int(W[ok[0]]) if ok.size else n - 1
    tau = max(0.5, float(taus[w - 1])) if n > 1 else 0.5
    if return_window:
        return tau, w, tau * math.sqrt(2.0 * (2 * w + 1) / n)
    return tau


def bin_size_for(n: int, tau: float) -> int:
    """Bin length used by :func:`estimate`: ``>= BIN_TAUS * tau`` yet ``>= MIN_BINS`` bins.

    If the series is too short for both, the number of bins wins (the error bar
    is then somewhat underestimated; :attr:`Estimate.tau_int` tells).
    """
    b = max(1, math.ceil(BIN_TAUS * tau))
    return max(1, min(b, n // MIN_BINS))


def bin_means(x, bin_size: int) -> np.ndarray:
    """Means of consecutive bins of ``bin_size`` samples (a trailing remainder is dropped)."""
    x = _series(x)
    b = check_int(bin_size, "bin_size", low=1, high=x.size)
    nb = x.size // b
    return x[: nb * b].reshape(nb, b).mean(axis=1)


def binning_error(x, bin_size: int | None = None) -> float:
    """Error of the mean from the spread of bin means (default bin size: :func:`bin_size_for`)."""
    x = _series(x)
    if bin_size is None:
        bin_size = bin_size_for(x.size, tau_int(x))
    m = bin_means(x, bin_size)
    if m.size < 2:
        raise UserError(f"bin_size={bin_size} leaves fewer than 2 bins of {x.size} samples")
    return float(np.std(m, ddof=1) / math.sqrt(m.size))


def jackknife(func, *series, bin_size: int | None = None):
    """Value and jackknife error of ``func(mean(a), mean(b), ...)`` over common bins.

    Parameters
    ----------
    func : callable
        Takes one float (or array of floats, vectorized) per series and returns
        the derived quantity, e.g. ``lambda e, e2: N * beta**2 * (e2 - e**2)``.
    *series : 1-D arrays of equal length
        The time series whose means enter ``func``.
    bin_size : int, optional
        Default: the largest :func:`bin_size_for` over the series.

    Returns
    -------
    (value, error) : tuple of float
        ``value = func(full means)``; the error is
        ``sqrt((nb - 1) / nb * sum (f_i - f_mean)^2)`` over the leave-one-bin-out ``f_i``.
    """
    if not series:
        raise UserTypeError("jackknife needs at least one series")
    xs = [_series(s, f"series[{i}]") for i, s in enumerate(series)]
    n = xs[0].size
    if any(s.size != n for s in xs):
        raise UserError("all series must have the same length")
    if bin_size is None:
        bin_size = max(bin_size_for(n, tau_int(s)) for s in xs)
    bins = [bin_means(s, bin_size) for s in xs]
    nb = bins[0].size
    if nb < 2:
        raise UserError(f"bin_size={bin_size} leaves fewer than 2 bins of {n} samples")
    full = [float(s.mean()) for s in xs]
    value = float(func(*full))
    loo = [(b.sum() - b) / (nb - 1) for b in bins]           # leave-one-bin-out means
    f = np.asarray(func(*loo), dtype=np.float64)
    err = math.sqrt((nb - 1) / nb * float(np.sum((f - f.mean()) ** 2)))
    return value, err


def estimate(x, c: float = 6.0) -> Estimate:
    """Mean, binning error bar and ``tau_int`` (Sokal window ``c``) of one time series."""
    x = _series(x)
    tau = tau_int(x, c)
    err = binning_error(x, bin_size_for(x.size, tau))
    return Estimate(float(x.mean()), err, tau, int(x.size))

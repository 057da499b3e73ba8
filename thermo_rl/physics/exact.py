"""Exact results for the 2D Ising model (and the Potts critical point).

Convention: ``E = -J sum_<ij> s_i s_j`` on a periodic ``L x L`` square lattice
(each nearest-neighbour bond once), ``T`` in units of ``J`` (``k_B = 1``),
``K = J / T``. Quantities are per spin unless the name says otherwise.

* **Onsager** (thermodynamic limit): ``Tc = 2 / ln(1 + sqrt 2)``; the spontaneous
  magnetization ``(1 - sinh(2K)^-4)^(1/8)`` below ``Tc`` (Yang 1952); energy, heat
  capacity and free energy per spin through the complete elliptic integrals
  ``K(k)``, ``E(k)`` of modulus ``k = 2 sinh 2K / cosh^2 2K``.
* **Kaufman** (finite periodic ``L x L``, 1949): ``Z = 1/2 (2 sinh 2K)^(N/2) (Z1+Z2+Z3+Z4)``
  with products over ``cosh/sinh(L gamma_k / 2)``; evaluated in log space and
  differentiated *analytically* in ``K`` (no finite differences), so energy and
  heat capacity are exact to rounding for ``L`` up to thousands.
* **Enumeration**: the joint density of states ``g(E, M)`` of a tiny lattice
  (``N <= 25`` spins), from which every moment follows exactly.
* **Potts**: ``Tc = 1 / ln(1 + sqrt q)`` for ``E = -J sum delta(s_i, s_j)``.

References: L. Onsager, Phys. Rev. 65, 117 (1944); B. Kaufman, Phys. Rev. 76,
1232 (1949); A. E. Ferdinand & M. E. Fisher, Phys. Rev. 185, 832 (1969);
P. D. Beale, Phys. Rev. Lett. 76, 78 (1996).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit
from scipy.special import ellipe, ellipk

from .._validation import check_int, check_real, check_temperature
from ..errors import UserError

__all__ = [
    "TC",
    "DensityOfStates",
    "KaufmanResult",
    "density_of_states",
    "enumeration_thermo",
    "kaufman",
    "onsager_energy",
    "onsager_free_energy",
    "onsager_heat_capacity",
    "onsager_magnetization",
    "potts_tc",
]

#: Critical temperature of the 2D square-lattice Ising model, ``2 / ln(1 + sqrt 2)`` (J = 1)
TC = 2.0 / math.log(1.0 + math.sqrt(2.0))


def _K(T, J):
    T = np.asarray(T, dtype=np.float64)
    if np.any(~np.isfinite(T)) or np.any(T <= 0):
        raise UserError("T (temperature) must be finite and > 0")
    J = check_real(J, "J", low=0.0, low_open=True)
    return J / T, J


def _scalar(x, like):
    return float(x) if np.ndim(like) == 0 else x


def potts_tc(q: int = 3, J: float = 1.0) -> float:
    """Critical temperature ``J / ln(1 + sqrt q)`` of the square-lattice q-state Potts model."""
    q = check_int(q, "q", low=2)
    J = check_real(J, "J", low=0.0, low_open=True)
    return J / math.log(1.0 + math.sqrt(q))


def onsager_magnetization(T, J: float = 1.0):
    """Spontaneous magnetization per spin ``(1 - sinh(2K)^-4)^(1/8)`` (0 at and above Tc)."""
    K, _ = _K(T, J)
    s = np.sinh(2.0 * K)
    with np.errstate(divide="ignore"):
        x = 1.0 - s ** -4.0
    return _scalar(np.where(x > 0, np.abs(x) ** 0.125, 0.0), T)


def _kappa(K):
    k = 2.0 * np.sinh(2.0 * K) / np.cosh(2.0 * K) ** 2       # elliptic modulus, 0 < k <= 1
    return np.minimum(k, 1.0)


def onsager_energy(T, J: float = 1.0):
    """Energy per spin ``-J coth 2K [1 + (2/pi)(2 tanh^2 2K - 1) K(k)]`` (thermodynamic limit).

    At ``Tc`` the log singularity of ``K(k)`` is multiplied by zero; the value is ``-sqrt(2) J``.
    """
    K, J = _K(T, J)
    k = _kappa(K)
    t2 = np.tanh(2.0 * K) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        kk = ellipk(k * k)
        u = -J / np.tanh(2.0 * K) * (1.0 + 2.0 / np.pi * (2.0 * t2 - 1.0) * kk)
    u = np.where(np.isfinite(u), u, -math.sqrt(2.0) * J)
    return _scalar(u, T)


def onsager_heat_capacity(T, J: float = 1.0):
    """Heat capacity per spin (units of k_B); ``+inf`` exactly at ``Tc``.

    ``c = (4/pi) (K coth 2K)^2 {K(k) - E(k) - (1 - tanh^2 2K)[pi/2 + (2 tanh^2 2K - 1) K(k)]}``
    """
    K, J = _K(T, J)
    k = _kappa(K)
    t2 = np.tanh(2.0 * K) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        m = k * k
        kk, ee = ellipk(m), ellipe(m)
        c = (4.0 / np.pi) * (K / np.tanh(2.0 * K)) ** 2 * (
            kk - ee - (1.0 - t2) * (np.pi / 2.0 + (2.0 * t2 - 1.0) * kk))
    c = np.where(np.isfinite(c), c, np.inf)
    return _scalar(c, T)


def onsager_free_energy(T, J: float = 1.0):
    """Free energy per spin ``f = -T [ln(2 cosh 2K) + (1/pi) int_0^(pi/2) ln((1 + sqrt(1 - k^2 sin^2 t))/2) dt]``."""
    K, J = _K(T, J)
    t = np.atleast_1d(np.asarray(T, dtype=np.float64))
    Ka = np.atleast_1d(K)
    # Gauss-Legendre on [0, pi/2]; the integrand is smooth (a sqrt kink only at k = 1)
    x, w = np.polynomial.legendre.leggauss(400)
    th = (x + 1.0) * np.pi / 4.0
    w = w * np.pi / 4.0
    k = _kappa(Ka)[:, None]
    integ = np.log((1.0 + np.sqrt(np.maximum(1.0 - (k * np.sin(th)) ** 2, 0.0))) / 2.0) @ w
    lnz = np.log(2.0 * np.cosh(2.0 * Ka)) + integ / np.pi
    f = -t * lnz
    return float(f[0]) if np.ndim(T) == 0 else f


# ----------------------------------------------------------------------------- Kaufman

@dataclass(frozen=True)
class KaufmanResult:
    """Exact thermodynamics of the periodic ``L x L`` Ising lattice at ``T`` (J = 1 units scaled by J).

    Attributes
    ----------
    L, T, J : lattice side, temperature, coupling
    log_Z : float
        ``ln Z`` of the whole lattice.
    energy_per_spin : float
        ``U / N = -(J/N) d ln Z / dK``.
    heat_capacity : float
        ``C / N = (K^2 / N) d^2 ln Z / dK^2`` (units of k_B).
    free_energy_per_spin, entropy_per_spin : float
        ``F/N = -T ln Z / N`` and ``S/N = (U - F) / (N T)`` (nats).
    """

    L: int
    T: float
    J: float
    log_Z: float
    energy_per_spin: float
    heat_capacity: float
    free_energy_per_spin: float
    entropy_per_spin: float

    def as_dict(self) -> dict:
        """JSON-ready: every attribute."""
        from ..results import jsonable

        return jsonable(dict(vars(self)))


def _log2cosh(x):
    a = np.abs(x)
    return a + np.log1p(np.exp(-2.0 * a))


def _gamma_jet(k, L, K):
    """gamma_k and its first two K-derivatives for k >= 1 (gamma_k > 0)."""
    u = 2.0 * K
    su, cu = math.sinh(u), math.cosh(u)
    h = su + 1.0 / su                                    # cosh^2 u / sinh u
    hu = cu * (1.0 - 1.0 / su ** 2)
    huu = su - 1.0 / su + 2.0 * cu ** 2 / su ** 3
    c = h - np.cos(np.pi * k / L)                        # cosh gamma_k
    c1, c2 = 2.0 * hu, 4.0 * huu
    sg = np.sqrt((c - 1.0) * (c + 1.0))                  # sinh gamma_k
    g = np.arccosh(c)
    g1 = c1 / sg
    g2 = c2 / sg - c * c1 ** 2 / sg ** 3
    return g, g1, g2


def kaufman(L: int, T: float, J: float = 1.0) -> KaufmanResult:
    """Exact ``ln Z``, energy and heat capacity of the periodic ``L x L`` Ising model.

    Kaufman's four-term formula,

        Z = 1/2 (2 sinh 2K)^(L^2/2) [Z1 + Z2 + Z3 + Z4],
        Z1 = prod_r 2 cosh(L g_(2r+1)/2),  Z2 = prod_r 2 sinh(L g_(2r+1)/2),
        Z3 = prod_r 2 cosh(L g_(2r)/2),    Z4 = prod_r 2 sinh(L g_(2r)/2),   r = 0..L-1,

    with ``cosh g_k = cosh 2K coth 2K - cos(pi k / L)`` for ``k >= 1`` and
    ``g_0 = 2K + ln tanh K`` (negative above ``Tc``, so ``Z4`` changes sign there).
    Each product is summed as logs; the factor ``2 sinh(L g_0 / 2)``, which
    vanishes at ``Tc``, is kept apart and scaled by ``exp(-|L g_0/2|)`` so that
    ``Z`` and its first two ``K``-derivatives are finite everywhere. The
    derivatives are propagated analytically (chain rule through every factor).

    Parameters
    ----------
    L : int, >= 2
        Lattice side (``N = L^2`` spins, periodic in both directions).
    T : float, > 0
        Temperature in units of energy.
    J : float, > 0
        Ferromagnetic coupling.
    """
    L = check_int(L, "L", low=2)
    T = check_temperature(T)
    J = check_real(J, "J", low=0.0, low_open=True)
    K = J / T
    if K > 350.0:          # ground state: Z = 2 exp(2 N K) to double precision
        N = L * L
        return KaufmanResult(L, T, J, math.log(2.0) + 2.0 * N * K, -2.0 * J, 0.0, -2.0 * J, 0.0)
    if K < 1e-8:
        raise UserError(f"T = {T} is too high for the Kaufman formula (K = J/T < 1e-8)")
    N = L * L
    half = L / 2.0
    r = np.arange(L)
    terms = []                                           # (a_i, S, S', S'', p1, p2)
    # Z1, Z2: odd k = 2r + 1, all gamma > 0
    g, g1, g2 = _gamma_jet(2 * r + 1, L, K)
    x, x1, x2 = half * g, half * g1, half * g2
    t = np.tanh(x)
    terms.append((_log2cosh(x).sum(), 1.0, 0.0, 0.0,
                  (t * x1).sum(), ((1.0 - t * t) * x1 ** 2 + t * x2).sum()))
    ct = 1.0 / t
    terms.append(((x + np.log1p(-np.exp(-2.0 * x))).sum(), 1.0, 0.0, 0.0,
                  (ct * x1).sum(), ((1.0 - ct * ct) * x1 ** 2 + ct * x2).sum()))
    # Z3, Z4: even k = 2r; r = 0 uses gamma_0 = 2K + ln tanh K
    ge, ge1, ge2 = _gamma_jet(2 * r[1:], L, K)
    x, x1, x2 = half * ge, half * ge1, half * ge2
    t = np.tanh(x)
    g0 = 2.0 * K + math.log(math.tanh(K))
    g01 = 2.0 + 2.0 / math.sinh(2.0 * K)
    g02 = -4.0 * math.cosh(2.0 * K) / math.sinh(2.0 * K) ** 2
    y, y1, y2 = half * g0, half * g01, half * g02
    ty = math.tanh(y)
    terms.append((_log2cosh(x).sum() + float(_log2cosh(y)), 1.0, 0.0, 0.0,
                  (t * x1).sum() + ty * y1,
                  ((1.0 - t * t) * x1 ** 2 + t * x2).sum() + (1.0 - ty * ty) * y1 ** 2 + ty * y2))
    ct = 1.0 / t
    lnP = (x + np.log1p(-np.exp(-2.0 * x))).sum()
    p1 = (ct * x1).sum()
    p2 = ((1.0 - ct * ct) * x1 ** 2 + ct * x2).sum()
    e = math.exp(-2.0 * abs(y))                           # 2 sinh y = e^|y| * sign(y)(1 - e)
    S = math.copysign(1.0 - e, y) if y != 0 else 0.0
    S1 = (1.0 + e) * y1
    S2 = (1.0 + e) * y2 + S * y1 ** 2
    terms.append((lnP + abs(y), S, S1, S2, p1, p2))

    M = max(a for a, *_ in terms)
    R0 = R1 = R2 = 0.0
    for a, S, S1, S2, p1, p2 in terms:
        w = math.exp(a - M)
        R0 += w * S
        R1 += w * (S1 + S * p1)
        R2 += w * (S2 + 2.0 * S1 * p1 + S * (p2 + p1 * p1))
    s2K = math.sinh(2.0 * K)
    log_Z = 0.5 * N * math.log(2.0 * s2K) - math.log(2.0) + M + math.log(R0)
    d1 = N / math.tanh(2.0 * K) + R1 / R0
    d2 = -2.0 * N / s2K ** 2 + R2 / R0 - (R1 / R0) ** 2
    u = -J * d1 / N
    c = K * K * d2 / N
    f = -T * log_Z / N
    return KaufmanResult(L, T, J, float(log_Z), float(u), float(c), float(f), float((u - f) / T))


# ----------------------------------------------------------------------------- enumeration

@dataclass(frozen=True)
class DensityOfStates:
    """Joint density of states of a tiny periodic Ising lattice.

    ``counts[a, b]`` is the number of configurations with bond sum
    ``bond_sums[a] = sum_<ij> s_i s_j`` and magnetization ``magnetizations[b] = sum_i s_i``;
    the energy is ``E = -J * bond_sum - h * M``.
    """

    Lx: int
    Ly: int
    bond_sums: np.ndarray
    magnetizations: np.ndarray
    counts: np.ndarray


@njit(cache=True)
def _enumerate_kernel(Lx, Ly):
    N = Lx * Ly
    nb = 2 * N
    hist = np.zeros((2 * nb + 1, N + 1), dtype=np.int64)
    s = np.empty(N, dtype=np.int64)
    for conf in range(1 << N):
        for i in range(N):
            s[i] = 1 if (conf >> i) & 1 else -1
        b = 0
        m = 0
        for y in range(Ly):
            for x in range(Lx):
                i = y * Lx + x
                b += s[i] * (s[y * Lx + (x + 1) % Lx] + s[((y + 1) % Ly) * Lx + x])
                m += s[i]
        hist[b + nb, (m + N) // 2] += 1
    return hist


def density_of_states(L: int, Ly: int | None = None) -> DensityOfStates:
    """Enumerate all ``2^N`` states of a periodic ``L x Ly`` lattice (``N <= 25``)."""
    Lx = check_int(L, "L", low=2)
    Ly = Lx if Ly is None else check_int(Ly, "Ly", low=2)
    if Lx * Ly > 25:
        raise UserError(f"enumeration needs L * Ly <= 25 spins, got {Lx * Ly}")
    hist = _enumerate_kernel(Lx, Ly)
    N = Lx * Ly
    rows = np.nonzero(hist.sum(axis=1))[0]
    cols = np.nonzero(hist.sum(axis=0))[0]
    return DensityOfStates(Lx, Ly, rows - 2 * N, 2 * cols - N, hist[np.ix_(rows, cols)])


def enumeration_thermo(dos: DensityOfStates, T, J: float = 1.0, h: float = 0.0) -> dict:
    """Exact per-spin averages at temperature(s) ``T`` from a density of states.

    Returns a dict of arrays (or floats for scalar ``T``): ``energy_per_spin``,
    ``heat_capacity`` (per spin), ``abs_m``, ``m2``, ``m4``, ``susceptibility``
    (``N beta (<m^2> - <|m|>^2)``), ``binder`` (``1 - <m^4> / (3 <m^2>^2)``),
    ``log_Z``, ``free_energy_per_spin`` and ``entropy_per_spin``.
    """
    from ..gibbs import thermodynamics

    Ts = np.atleast_1d(np.asarray(T, dtype=np.float64))
    for t in Ts:
        check_temperature(float(t))
    J = check_real(J, "J")
    h = check_real(h, "h")
    N = dos.Lx * dos.Ly
    a, b = np.nonzero(dos.counts)
    E = -J * dos.bond_sums[a] - h * dos.magnetizations[b]
    m = dos.magnetizations[b] / N
    th = thermodynamics(E, Ts, degeneracy=dos.counts[a, b].astype(np.float64))
    p = np.atleast_2d(th.probabilities)
    am, m2, m4 = p @ np.abs(m), p @ m ** 2, p @ m ** 4
    beta = 1.0 / Ts
    out = {
        "energy_per_spin": np.atleast_1d(th.U) / N,
        "heat_capacity": np.atleast_1d(th.C) / N,
        "abs_m": am, "m2": m2, "m4": m4,
        "susceptibility": N * beta * (m2 - am ** 2),
        "binder": 1.0 - m4 / (3.0 * m2 ** 2),
        "log_Z": np.atleast_1d(th.log_Z),
        "free_energy_per_spin": np.atleast_1d(th.F) / N,
        "entropy_per_spin": np.atleast_1d(th.S) / N,
    }
    if np.ndim(T) == 0:
        out = {k: float(v[0]) for k, v in out.items()}
    return out

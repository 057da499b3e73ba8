"""The claims of the theory pages (docs/theory/*.md) that can be computed, computed.

Each test names the page and the sentence it checks. Exact results (linear algebra,
closed forms, enumeration) are compared to rounding; Monte Carlo numbers within a
stated number of standard errors. Everything here runs in a few seconds.
"""

import itertools
import math

import numpy as np
import pytest

from thermo_rl.bandits.selftrain import exact_fixation_time, self_train
from thermo_rl.entropy.controls import centered_covariance, entrocraft_mask
from thermo_rl.entropy.dynamics import pg_logit_update, predicted_pg_entropy_change
from thermo_rl.gibbs import boltzmann_probabilities, log_partition, thermodynamics
from thermo_rl.metrics import entropy as entropy_of
from thermo_rl.physics.exact import density_of_states, enumeration_thermo, kaufman
from thermo_rl.physics.levels import ln_multiplicity, multiplicity, stirling_ln_multiplicity
from thermo_rl.physics.paths import x2_discrete, x2_exact

Z_TOL = 4.0          # Monte Carlo checks: within 4 standard errors


def _softmax(z):
    w = np.exp(z - z.max(axis=-1, keepdims=True))
    return w / w.sum(axis=-1, keepdims=True)


# --- selftrain.md: a sampling temperature above 1 does not prevent the collapse ----------

def test_selftrain_fixes_with_probability_one_at_T_above_1():
    """n = 10, k = 3: the exact chain gives 14.85 generations at T = 1 and 59.41 at
    T = 1.5 (finite: absorption is certain); 1000 runs at T = 1.5 all fix, at the exact
    mean within 4 standard errors."""
    t1, t15 = exact_fixation_time([1, 1, 1], 10), exact_fixation_time([1, 1, 1], 10, T=1.5)
    assert t1 == pytest.approx(14.8496, abs=1e-3)
    assert t15 == pytest.approx(59.4075, abs=1e-3)
    res = self_train(k=3, n_samples=10, generations=3000, runs=1000, T=1.5, seed=3,
                     progress=False)
    assert res.fraction_fixed == 1.0
    mean, sem = res.fixation_time()
    assert abs(mean - t15) < Z_TOL * sem, (mean, sem, t15)


def test_exact_fixation_time_approaches_the_diffusion_formula():
    """Two types from p = 1/2: the diffusion value 2n ln 2 (Kimura & Ohta, 1969), the
    exact chain within 2 % at n = 100 (1.5 %: the O(1) correction of the diffusion)."""
    exact = exact_fixation_time([1, 1], 100)
    assert exact == pytest.approx(2 * 100 * math.log(2), rel=0.02)


# --- annealing.md: free energy at the freezing temperature can pick the wide basin ---------

def _metropolis_chain(E, T):
    """Exact transition matrix of Metropolis on a line (propose left or right, 1/2 each)."""
    n = E.size
    P = np.zeros((n, n))
    for j, step in ((np.arange(1, n), -1), (np.arange(0, n - 1), 1)):
        P[j, j + step] = 0.5 * np.minimum(1.0, np.exp(-(E[j + step] - E[j]) / T))
    P[np.arange(n), np.arange(n)] = 1.0 - P.sum(axis=1)
    return P


def test_annealing_freezes_in_the_wide_shallow_basin():
    """A narrow deep well (one state at E = -2) behind a barrier (E = 1) next to a wide
    shallow basin (20 states at E = -1). The ground state is the deep well, but above
    T = 1/ln 20 the wide basin has the lower free energy; geometric cooling from T = 3 to
    0.05 (exact evolution of the distribution) ends in the deep well with probability
    0.14 after 10^3 steps and 0.25 after 10^4: the chain freezes where free energy, not
    energy, decided."""
    E = np.array([-2.0, 1.0] + [-1.0] * 20)
    p_eq = boltzmann_probabilities(E, T=0.5)
    assert p_eq[0] == pytest.approx(np.exp(4) / (np.exp(4) + np.exp(-2) + 20 * np.exp(2)))
    assert p_eq[0] < 0.3 and boltzmann_probabilities(E, T=0.01)[0] > 0.999
    deep = []
    for n in (10**3, 10**4):
        p = np.full(E.size, 1.0 / E.size)
        for T in 3.0 * (0.05 / 3.0) ** (np.arange(n) / (n - 1)):
            p = p @ _metropolis_chain(E, T)
        deep.append(p[0])
    assert deep[0] == pytest.approx(0.1408, abs=1e-3)
    assert deep[1] == pytest.approx(0.2453, abs=1e-3)


# --- entropy_dynamics.md: Entrocraft moves dH toward the gap's sign, not always to it -----

def _logp_adv_with_covariance_terms():
    """ln pi and A whose centered products are exactly (0.5, 0.3, 0.2, -0.1, -0.1)."""
    r = math.sqrt(2.0)
    d = np.array([1.0, -1.0, 1.0, (-1 + r) / 2, (-1 - r) / 2])   # sum 0, sum 0.1/d = 0.4
    c = np.array([0.5, 0.3, 0.2, -0.1, -0.1])
    return d - 5.0, c / d, c


def test_entrocraft_counterexample_dH_negative_below_target():
    """Covariance terms (0.5, 0.3, 0.2, -0.1, -0.1), entropy 0.2 nats below target,
    rejection probability q = 0.4: the kept terms sum to 0.6 * 1.0 - 0.2 = 0.4 > 0 in
    expectation, so the first-order dH = -eta * 0.4 / n is still negative (it was
    -eta * 0.8 / n without the control). The sign of the gap is reached only for
    q > 0.8."""
    logp, adv, c = _logp_adv_with_covariance_terms()
    assert np.allclose(centered_covariance(logp, adv), c, atol=1e-12)
    rows = 40_000
    L, A = np.tile(logp, (rows, 1)), np.tile(adv, (rows, 1))
    for strength, q in ((2.0, 0.4), (4.5, 0.9)):
        keep = entrocraft_mask(L, A, entropy=1.0, target=1.2, strength=strength, seed=11)
        kept = (keep * c).sum(axis=1)                 # -dH n / eta, first order, per draw
        expected = (1 - q) * c[c > 0].sum() + c[c < 0].sum()
        sem = kept.std(ddof=1) / math.sqrt(rows)
        assert abs(kept.mean() - expected) < Z_TOL * sem, (q, kept.mean(), expected)
    # q = 0.4: still entropy-lowering (0.4 > 0), 265 standard errors from zero
    keep = entrocraft_mask(L, A, entropy=1.0, target=1.2, strength=2.0, seed=12)
    kept = (keep * c).sum(axis=1)
    assert kept.mean() > Z_TOL * kept.std(ddof=1) / math.sqrt(rows)


def test_single_sample_second_order_terms_are_not_small():
    """At the uniform policy the first-order entropy change of a REINFORCE step is zero
    for every sample's expectation (ln pi_a + H = 0), yet every step lowers H: the
    expected exact change is O(eta^2) and negative (ratio 4 between eta and eta/2)."""
    z = np.zeros(4)
    r = np.array([1.0, 0.0, 0.0, 0.0])
    A = r - r.mean()
    pi = _softmax(z)
    exact = []
    for eta in (0.4, 0.2):
        assert predicted_pg_entropy_change(z, A, eta, kind="sample") == pytest.approx(0, abs=1e-15)
        dz = pg_logit_update(np.tile(z, (4, 1)), np.tile(A, (4, 1)), eta, kind="sample",
                             action=np.arange(4))
        dH = entropy_of(_softmax(z + dz), axis=-1) - entropy_of(pi)
        exact.append(float(pi @ dH))
    assert exact[0] < 0 and exact[1] < 0
    assert exact[0] / exact[1] == pytest.approx(4.0, rel=0.05)


# --- softmax.md: exact vanilla PG breaks the symmetry of tied arms ---------------------------

def test_vanilla_pg_drift_on_tied_rewards():
    """Q = (1, 1, 0), z0 = (0.2, 0, 0), eta = 1, exact steps. Each step moves
    z_0 - z_1 by eta (pi_0 - pi_1)(Q* - <Q>) > 0: pi_0/pi_1 grows from e^0.2 = 1.22 to
    12.03 after 10^4 steps (the ODE: 12.47) and keeps growing like sqrt(t) (164 after
    2 10^6 steps). Natural PG keeps it at 1.22 exactly."""
    Q = np.array([1.0, 1.0, 0.0])
    z, zn = np.array([0.2, 0.0, 0.0]), np.array([0.2, 0.0, 0.0])
    pi = _softmax(z)
    dz = pg_logit_update(z, Q, 1.0, kind="softmax")
    assert dz[0] - dz[1] == pytest.approx((pi[0] - pi[1]) * (1.0 - pi @ Q), rel=1e-12)
    ratios = {}
    for t in range(1, 10_001):
        z = z + pg_logit_update(z, Q, 1.0, kind="softmax")
        zn = zn + pg_logit_update(zn, Q - _softmax(zn) @ Q, 1.0, kind="natural")
        if t in (2_500, 10_000):
            ratios[t] = math.exp(z[0] - z[1])
    assert math.exp(zn[0] - zn[1]) == pytest.approx(math.exp(0.2), rel=1e-12)
    assert ratios[10_000] == pytest.approx(12.0306, abs=1e-3)
    assert 1.8 < ratios[10_000] / ratios[2_500] < 2.0     # sqrt(4) = 2, approached from below
    from scipy.integrate import solve_ivp

    sol = solve_ivp(lambda t, y: _softmax(y) * (Q - _softmax(y) @ Q), (0, 1e4), [0.2, 0, 0],
                    method="LSODA", rtol=1e-10, atol=1e-12)
    ode = math.exp(sol.y[0, -1] - sol.y[1, -1])
    assert ode == pytest.approx(12.468, abs=0.01)
    assert ratios[10_000] == pytest.approx(ode, rel=0.05)   # the O(eta) step error
    # the page's long run, with the same step compiled (it reproduces the package's
    # steps above to rounding first)
    numba = pytest.importorskip("numba")

    @numba.njit(cache=False)
    def steps(z, n):
        for _ in range(n):
            p = np.exp(z - z.max())
            p /= p.sum()
            z = z + p * (Q - (p * Q).sum())
        return z

    zz = steps(np.array([0.2, 0.0, 0.0]), 10_000)
    assert math.exp(zz[0] - zz[1]) == pytest.approx(ratios[10_000], rel=1e-9)
    zz = steps(np.array([0.2, 0.0, 0.0]), 2_000_000)
    assert math.exp(zz[0] - zz[1]) == pytest.approx(164.29, abs=0.01)


# --- kl_rl.md: TRL's k3 as a loss follows KL(pi_ref || pi); its optimum is not pi* ----------

def test_k3_loss_gradient_is_that_of_the_forward_kl():
    rng = np.random.default_rng(4)
    z, ref = rng.normal(size=6), _softmax(rng.normal(size=6))

    def k3(zz, y):                       # exp(ref - logp) - (ref - logp) - 1 of answer y
        d = math.log(ref[y]) - math.log(_softmax(zz)[y])
        return math.exp(d) - d - 1.0

    pi, h = _softmax(z), 1e-6
    grad = np.zeros(6)
    for y in range(6):                   # sampled from pi, the sampling not differentiated
        g = np.array([(k3(z + h * e, y) - k3(z - h * e, y)) / (2 * h) for e in np.eye(6)])
        grad += pi[y] * g
    assert np.allclose(grad, pi - ref, atol=1e-8)              # d KL(ref || pi) / dz
    grad_reverse = pi * (np.log(pi / ref) - (pi * np.log(pi / ref)).sum())
    assert not np.allclose(grad, grad_reverse, atol=1e-2)      # d KL(pi || ref) / dz


def test_k3_loss_fixed_point_is_not_pi_star():
    """0/1 reward, base pass@1 p = 0.2 on 2 + 8 answers, lambda = 0.1. pi* has pass@1
    0.99982; the fixed point of <r> - lambda KL(pi_ref || pi), pi = lambda pi_ref / (mu - r),
    has 0.92170 and KL(fixed point || pi*) = 0.400 nats. Both keep pi_ref's shares among
    the correct answers."""
    from scipy.optimize import brentq

    r = np.array([1.0] * 2 + [0.0] * 8)
    ref = np.array([0.15, 0.05] + [0.1] * 8)
    lam = 0.1
    star = ref * np.exp(r / lam)
    star /= star.sum()
    mu = brentq(lambda m: (lam * ref / (m - r)).sum() - 1.0, 1.0 + 1e-12, 1.0 + 10.0,
               xtol=1e-15, rtol=4 * np.finfo(float).eps)
    fix = lam * ref / (mu - r)
    grad = fix * (r - fix @ r) - lam * (fix - ref)             # stationarity on the simplex
    assert np.allclose(grad, 0.0, atol=1e-10)
    assert star[:2].sum() == pytest.approx(0.99982, abs=1e-5)
    assert fix[:2].sum() == pytest.approx(0.92170, abs=1e-5)
    assert fix[0] / fix[1] == pytest.approx(3.0) and star[0] / star[1] == pytest.approx(3.0)
    assert (fix * np.log(fix / star)).sum() == pytest.approx(0.4000, abs=1e-4)


# --- decoding.md: the package's Top-H rule is not the paper's renormalized rule -------------

def _renormalized_top_h(p, alpha):
    """Tokens kept by the paper's greedy rule: add from the most probable while the
    entropy of the renormalized kept set stays <= alpha H(p) (stop at the first
    violation). Returns the count kept per row."""
    ps = -np.sort(-p, axis=-1)
    terms = -ps * np.log(ps)
    C, P = np.cumsum(terms, axis=-1), np.cumsum(ps, axis=-1)
    ok = C / P + np.log(P) <= alpha * terms.sum(axis=-1, keepdims=True)
    ok[:, 0] = True
    ok = np.concatenate([ok, np.zeros((len(p), 1), bool)], axis=1)
    return np.argmin(ok, axis=1)


@pytest.mark.parametrize("ensemble, documented", [("dirichlet", 0.967), ("normal2", 0.280)])
def test_top_h_cumulative_rule_differs_from_renormalized_rule(ensemble, documented):
    """Random 20-token distributions, alpha = 0.4: the two rules keep different sets in
    96.7 % of flat-Dirichlet draws and 28.0 % of softmax(2 N(0, 1)) draws (20 000 draws,
    decoding.md); 4000 fresh draws agree within 4 standard errors."""
    torch = pytest.importorskip("torch")
    from thermo_rl.llm.decoding import filter_logits

    rng, n = np.random.default_rng(7), 4000
    p = rng.dirichlet(np.ones(20), n) if ensemble == "dirichlet" \
        else _softmax(2.0 * rng.standard_normal((n, 20)))
    kept = torch.isfinite(filter_logits(torch.log(torch.tensor(p)), top_h=0.4)).sum(-1).numpy()
    ps = -np.sort(-p, axis=-1)
    cum = np.cumsum(-ps * np.log(ps), axis=-1)                 # the package's rule, restated
    assert np.array_equal(kept, np.maximum(1, (cum <= 0.4 * cum[:, -1:]).sum(axis=-1)))
    differ = kept != _renormalized_top_h(p, 0.4)
    f = differ.mean()
    assert abs(f - documented) < Z_TOL * math.sqrt(documented * (1 - documented) / n), f


# --- maxent.md: the log-sum-exp shift, underflow, and F -> E0 only as T -> 0 ---------------

def test_log_partition_shifts_by_the_dominant_level():
    E = np.array([0.0, 1e6, 2e6])
    g = np.array([1.0, 2.0, 3.0])
    with np.errstate(all="ignore"):                   # the naive sums
        assert np.log((g * np.exp(-E / 1.0)).sum()) == 0.0             # fine at beta > 0
        assert np.exp(2e6) == np.inf                                    # overflow at beta < 0
        assert np.log((g * np.exp(-(E + 1e6) / 1.0)).sum()) == -np.inf  # underflow, E > 0
    assert log_partition(E, beta=-1.0, degeneracy=g) == pytest.approx(2e6 + math.log(3.0), rel=1e-15)
    assert log_partition(E + 1e6, T=1.0, degeneracy=g) == pytest.approx(-1e6, rel=1e-15)


def test_free_energy_tends_to_E0_only_as_T_to_0():
    E, g = np.array([-1.0, 0.0, 2.0]), np.array([2.0, 1.0, 5.0])
    th = thermodynamics(E, T=[1e-3, 1e3], degeneracy=g)
    assert th.F[0] == pytest.approx(-1.0 - 1e-3 * math.log(2.0), abs=1e-9)
    assert th.F[1] == pytest.approx(-1e3 * math.log(8.0), rel=2e-3)        # -T ln sum g


# --- ising.md ---------------------------------------------------------------------------------

def test_ground_state_energy_is_minus_2J_only_at_h_0():
    dos = density_of_states(4)
    for h in (0.0, 0.5):
        u = enumeration_thermo(dos, T=0.02, h=h)["energy_per_spin"]
        assert float(np.squeeze(u)) == pytest.approx(-2.0 - abs(h), abs=1e-9)


def test_heat_capacity_at_Tc_grows_like_ln_L_with_the_exact_amplitude():
    """C_L(T_c)/N = A0 ln L + B + O(1/L), A0 = (8/pi) K_c^2 = 0.49454 (Ferdinand &
    Fisher, 1969): the slope in ln L, extrapolated in 1/L, from Kaufman's exact Z."""
    Tc = 2.0 / math.log(1.0 + math.sqrt(2.0))
    C = {L: kaufman(L, Tc).heat_capacity for L in (128, 256, 512)}
    s1 = (C[256] - C[128]) / math.log(2.0)
    s2 = (C[512] - C[256]) / math.log(2.0)
    A0 = 8.0 / math.pi * (0.5 * math.log(1.0 + math.sqrt(2.0))) ** 2
    assert 2 * s2 - s1 == pytest.approx(A0, abs=1e-5)


# --- imaginary_time.md: the primitive approximation's error is O(1/P^2) -------------------

def test_primitive_approximation_error_is_order_1_over_P_squared():
    beta = 2.0
    err = {P: x2_discrete(beta, 1.0, P) - x2_exact(beta, 1.0) for P in (16, 32, 64)}
    assert err[32] / err[64] == pytest.approx(4.0, rel=0.01)
    assert err[16] / err[32] == pytest.approx(4.0, rel=0.01)


# --- atoms.md: W = N! prod g_i^n_i / n_i! by brute force -------------------------------------

def test_multiplicity_with_degeneracy_counts_every_assignment():
    """N = 5 distinguishable atoms over levels with g = (1, 2, 3) states: enumerate all
    6^5 assignments of atoms to states and count each occupation of the levels."""
    g = (1, 2, 3)
    level_of_state = [i for i, gi in enumerate(g) for _ in range(gi)]
    counts = {}
    for assign in itertools.product(range(len(level_of_state)), repeat=5):
        occ = tuple(np.bincount([level_of_state[s] for s in assign], minlength=3))
        counts[occ] = counts.get(occ, 0) + 1
    assert sum(counts.values()) == 6 ** 5
    for occ, n in counts.items():
        assert multiplicity(occ, degeneracy=g) == n
        assert ln_multiplicity(occ, degeneracy=g) == pytest.approx(math.log(n), abs=1e-12)
    n = np.array([400, 300, 300])
    rel = abs(stirling_ln_multiplicity(n, degeneracy=g) - ln_multiplicity(n, degeneracy=g))
    assert rel / ln_multiplicity(n, degeneracy=g) < 3 * 3 * math.log(1000) / 1000

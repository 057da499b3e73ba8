"""Act 2. Magnet: the 2D Ising model across Tc, measured against Onsager and Kaufman."""

from __future__ import annotations

import numpy as np

from . import ActResult, Curve


def run(ctx) -> ActResult:
    from ..physics import exact as ex
    from ..physics.ising import simulate
    from ..viz import save_figure
    from ..viz.lattice import magnet_figure

    L = 16 if ctx.fast else 32
    sweeps = 400 if ctx.fast else 2000
    Ts = np.linspace(1.6, 3.2, 6 if ctx.fast else 9)
    res = [simulate(L, float(T), algorithm="wolff" if abs(T - ex.TC) < 0.35 else "metropolis",
                    sweeps=sweeps, seed=ctx.seed, progress=ctx.progress) for T in Ts]
    am = np.array([r.abs_m.mean for r in res])
    am_err = np.array([r.abs_m.error for r in res])
    e = np.array([r.energy_per_spin.mean for r in res])
    e_err = np.array([r.energy_per_spin.error for r in res])
    tf = np.linspace(Ts[0], Ts[-1], 120)
    kf = [ex.kaufman(L, t) for t in tf]
    u_L = np.array([k.energy_per_spin for k in kf])
    f_L = np.array([k.free_energy_per_spin for k in kf])
    fig = magnet_figure(Ts, am, am_err, e, e_err, tf, ex.onsager_magnetization(tf),
                        ex.onsager_energy(tf), u_L, f_L, ex.TC, L)
    path = save_figure(fig, ctx.out, "act2_magnet.png")
    i_lo, i_hi = 1, len(Ts) - 2
    lines = [(f"Tc = 2/ln(1+sqrt 2) = {ex.TC:.5f} (Onsager); {L}x{L} periodic lattice, "
             f"{sweeps} sweeps per T (Wolff near Tc, Metropolis elsewhere)."),
             (f"T = {Ts[i_lo]:.2f}: <|m|> = {am[i_lo]:.4f} +- {am_err[i_lo]:.4f}, Onsager "
             f"{ex.onsager_magnetization(Ts[i_lo]):.4f}; E/N = {e[i_lo]:.4f} +- {e_err[i_lo]:.4f}, "
             f"Kaufman L={L} {ex.kaufman(L, Ts[i_lo]).energy_per_spin:.4f}"),
             (f"T = {Ts[i_hi]:.2f}: <|m|> = {am[i_hi]:.4f} (Onsager 0; a finite lattice "
             f"keeps a small |m|); E/N = {e[i_hi]:.4f} +- {e_err[i_hi]:.4f}, Kaufman "
             f"{ex.kaufman(L, Ts[i_hi]).energy_per_spin:.4f}"),
             ("Above Tc the disordered phase wins: its energy is higher, its free energy "
              "F = U - T S is lower.")]
    return ActResult(
        title="Magnet: Ising order melts at Tc",
        lines=lines,
        numbers={"L": L, "Tc": ex.TC, "T": Ts.tolist(), "abs_m": am.tolist(),
                 "abs_m_error": am_err.tolist(), "energy_per_spin": e.tolist(),
                 "energy_per_spin_error": e_err.tolist(),
                 "onsager_abs_m": ex.onsager_magnetization(Ts).tolist(),
                 "kaufman_energy_per_spin": [ex.kaufman(L, t).energy_per_spin for t in Ts]},
        figures=[path] if path else [],
        curve=Curve(x=tf.tolist(), ys={"U/N": u_L.tolist(), "F/N = U/N - T S/N": f_L.tolist()},
                    xlabel="T", ylabel="energy per spin", title=f"Magnet (Ising {L}x{L}, exact)"),
    )

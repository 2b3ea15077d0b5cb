"""iminuit 2.11 + numpy side of bench/toys.ts: toys of the same models, generated with numpy and fitted with
MIGRAD + HESSE (errordef 0.5), timed in the same run as ntcorr's.

  sim: examples/fit/sim-2cat.yaml written out here (two categories, ee on [60, 120] and mm on [70, 110], Gauss +
       exponential each, mu shared, Gaussian constraint on sigma_mm; 9 parameters; ~4500 events a toy).
  kde: a KDE signal from simulation (fixed Gaussian kernels of width --bandwidth around the samples in --samples)
       + an exponential, yields and slope free. The KDE has no parameters, so its normalised density at each toy's
       events is computed once per toy (exact kernel sums in numpy) and MIGRAD only sees the yields and slope
       (ntcorr's NLL likewise computes a parameter-free component's density once per dataset).

  /usr/bin/python3 bench/toys_iminuit.py sim|kde --toys N [--samples FILE.f64 --bandwidth H] -> one JSON line
"""
import argparse, json, math, sys, time
import numpy as np
from iminuit import Minuit

ap = argparse.ArgumentParser()
ap.add_argument('case', choices=['sim', 'kde'])
ap.add_argument('--toys', type=int, default=100)
ap.add_argument('--seed', type=int, default=1)
ap.add_argument('--samples')
ap.add_argument('--bandwidth', type=float)
a = ap.parse_args()
rng = np.random.default_rng(a.seed)
erf = np.vectorize(math.erf)


def gauss_norm(x, mu, s, lo, hi):
    p = 0.5 * (math.erf((hi - mu) / (s * math.sqrt(2))) - math.erf((lo - mu) / (s * math.sqrt(2))))
    return np.exp(-0.5 * ((x - mu) / s) ** 2) / (s * math.sqrt(2 * math.pi) * p)


def expo_norm(x, lam, lo, hi):
    return lam * np.exp(lam * (x - lo)) / math.expm1(lam * (hi - lo))


def trunc_exp(lam, n, lo, hi):
    u = rng.uniform(size=n)
    return lo + np.log1p(u * math.expm1(lam * (hi - lo))) / lam


def trunc_gauss(mu, s, n, lo, hi):
    out = np.empty(0)
    while out.size < n:
        x = rng.normal(mu, s, 2 * n + 10)
        out = np.concatenate([out, x[(x >= lo) & (x <= hi)]])
    return out[:n]


def fit(fcn, start, steps, limits):
    m = Minuit(fcn, **start)
    m.errordef = Minuit.LIKELIHOOD
    for k, v in steps.items():
        m.errors[k] = v
    for k, v in limits.items():
        m.limits[k] = v
    m.migrad()
    m.hesse()
    return m.valid, m.nfcn


if a.case == 'sim':
    start = dict(nsig_ee=1400, nbkg_ee=1100, nsig_mm=1100, nbkg_mm=900, mu=91, sigma_ee=3, sigma_mm=2, lam_ee=-0.02, lam_mm=-0.02)
    steps = dict(nsig_ee=30, nbkg_ee=30, nsig_mm=30, nbkg_mm=30, mu=0.5, sigma_ee=0.1, sigma_mm=0.1, lam_ee=0.002, lam_mm=0.002)
    limits = dict(nbkg_ee=(0, None), nbkg_mm=(0, None), sigma_ee=(0.1, 20), sigma_mm=(0.1, 20))
    R = {'ee': (60.0, 120.0), 'mm': (70.0, 110.0)}

    def one_toy():
        d = {}
        for c in ('ee', 'mm'):
            lo, hi = R[c]
            ns, nb = rng.poisson(start['nsig_' + c]), rng.poisson(start['nbkg_' + c])
            d[c] = np.concatenate([trunc_gauss(start['mu'], start['sigma_' + c], ns, lo, hi), trunc_exp(start['lam_' + c], nb, lo, hi)])

        def nll(nsig_ee, nbkg_ee, nsig_mm, nbkg_mm, mu, sigma_ee, sigma_mm, lam_ee, lam_mm):
            s = 0.0
            for c, ns, nb, sg, lm in (('ee', nsig_ee, nbkg_ee, sigma_ee, lam_ee), ('mm', nsig_mm, nbkg_mm, sigma_mm, lam_mm)):
                lo, hi = R[c]
                L = ns * gauss_norm(d[c], mu, sg, lo, hi) + nb * expo_norm(d[c], lm, lo, hi)
                s += ns + nb - np.sum(np.log(L))
            return s + 0.5 * ((sigma_mm - 1.9) / 0.2) ** 2
        return fit(nll, start, steps, limits)
else:
    lo, hi = 4600.0, 7000.0
    mc = np.fromfile(a.samples, dtype='<f8')
    h = a.bandwidth
    norm = float(np.sum(0.5 * (erf((hi - mc) / (h * math.sqrt(2))) - erf((lo - mc) / (h * math.sqrt(2))))))
    start = dict(nsig=1000, nbkg=2000, lam=-0.001)
    steps = dict(nsig=30, nbkg=45, lam=1e-4)

    def one_toy():
        ns, nb = rng.poisson(1000), rng.poisson(2000)
        sig = np.empty(0)
        while sig.size < ns:  # KDE draws: a simulated event plus kernel noise, kept inside the range
            x = mc[rng.integers(0, mc.size, 2 * ns)] + rng.normal(0, h, 2 * ns)
            sig = np.concatenate([sig, x[(x >= lo) & (x <= hi)]])
        x = np.concatenate([sig[:ns], trunc_exp(-0.001, nb, lo, hi)])
        fk = np.exp(-0.5 * ((x[:, None] - mc[None, :]) / h) ** 2).sum(axis=1) / (h * math.sqrt(2 * math.pi) * norm)

        def nll(nsig, nbkg, lam):
            return nsig + nbkg - np.sum(np.log(nsig * fk + nbkg * expo_norm(x, lam, lo, hi)))
        return fit(nll, start, steps, {})

one_toy()  # warm-up
t0 = time.perf_counter()
c0 = time.process_time()
valid = 0
calls = 0
for _ in range(a.toys):
    v, n = one_toy()
    valid += v
    calls += n
wall = time.perf_counter() - t0
cpu = time.process_time() - c0
print(json.dumps({'case': a.case, 'toys': a.toys, 'wall_s': wall, 'toys_per_s': a.toys / wall, 'toys_per_cpu_s': a.toys / cpu, 'valid': valid, 'nfcn_mean': calls / a.toys}))

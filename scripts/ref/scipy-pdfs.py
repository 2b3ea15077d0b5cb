"""References for the fit PDFs of src/fit/pdfs (test/fit-shapes.test.ts), from scipy (not from ntcorr's code).

Writes test/data/fits/pdfs.json: per case the PDF kind, range, parameters, points x, the density normalised on
the range (scipy's pdf divided by its probability in the range: cdf differences where scipy has a CDF, else
scipy.integrate.quad) and the fractions in a few sub-intervals.

Run: /work/venv/bin/python scripts/ref/scipy-pdfs.py   (numpy, scipy)
"""
import json, math, os
import numpy as np
from scipy import integrate, special, stats

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'data', 'fits', 'pdfs.json')
rng = np.random.default_rng(11)
cases = []


def add(kind, lo, hi, params, pdf, cdf=None, extra=None, name=None, points=None):
    xs = np.linspace(lo, hi, 23) if points is None else np.asarray(points)
    if cdf is not None:
        norm = cdf(hi) - cdf(lo)
        frac = lambda a, b: (cdf(b) - cdf(a)) / norm
    else:
        brk = [lo, hi] + [x for x in (extra or {}).get('breaks', []) if lo < x < hi]
        brk = sorted(brk)
        q = lambda a, b: sum(integrate.quad(pdf, u, v, epsabs=0, epsrel=1e-13, limit=500)[0] for u, v in zip(brk[:-1], brk[1:]) if v > a and u < b for u, v in [(max(u, a), min(v, b))])
        norm = q(lo, hi)
        frac = lambda a, b: q(a, b) / norm
    w = hi - lo
    subs = [[lo, lo + 0.3 * w], [lo + 0.4 * w, lo + 0.55 * w], [lo + 0.7 * w, hi]]
    c = {'kind': kind, 'name': name or kind, 'range': [lo, hi], 'params': params, 'x': xs.tolist(),
         'density': [float(pdf(x) / norm) for x in xs], 'intervals': subs, 'fractions': [float(frac(a, b)) for a, b in subs]}
    if extra:
        c.update({k: v for k, v in extra.items() if k != 'breaks'})
    cases.append(c)


# Johnson SU: scipy.stats.johnsonsu(a=gamma, b=delta, loc=mu, scale=lambda).
for mu, lam, g, d, lo, hi in [(5280, 30, -0.5, 1.5, 5000, 5600), (91, 3, 0.8, 0.9, 60, 120)]:
    dist = stats.johnsonsu(g, d, loc=mu, scale=lam)
    add('johnsonsu', lo, hi, [mu, lam, g, d], dist.pdf, dist.cdf)
# Student t: scipy.stats.t(df=nu, loc=mu, scale=sigma).
for mu, s, nu, lo, hi in [(91, 2.5, 3.5, 60, 120), (0, 1, 1.2, -5, 30), (10, 0.5, 40, 8, 20)]:
    dist = stats.t(nu, loc=mu, scale=s)
    add('studentt', lo, hi, [mu, s, nu], dist.pdf, dist.cdf)
# Breit-Wigner with full width: scipy.stats.cauchy(loc=mean, scale=width / 2).
for m, wd, lo, hi in [(91.19, 2.5, 60, 120), (1020, 4.3, 1000, 1100)]:
    dist = stats.cauchy(loc=m, scale=wd / 2)
    add('breitwigner', lo, hi, [m, wd], dist.pdf, dist.cdf)
# Voigtian: scipy.special.voigt_profile(x - mean, sigma, width / 2), normalised by quad.
for m, wd, s, lo, hi in [(91.19, 2.5, 1.5, 60, 120), (3097, 0.1, 12, 2900, 3300), (1020, 4.3, 0.2, 1000, 1100)]:
    add('voigtian', lo, hi, [m, wd, s], lambda x, m=m, wd=wd, s=s: special.voigt_profile(x - m, s, wd / 2),
        extra={'breaks': [m - 5 * (wd + s), m - (wd + s), m, m + wd + s, m + 5 * (wd + s)]})
# ARGUS: p = 1/2 is scipy.stats.argus(chi, scale=m0) with c = -chi^2/2; other p by quad of RooArgusBG's formula.
for m0, chi, lo, hi in [(5.29, 8.0, 5.2, 5.3), (5.29, 1.5, 4.0, 5.29)]:
    dist = stats.argus(chi, loc=0, scale=m0)
    add('argus', lo, hi, [m0, -chi * chi / 2, 0.5], dist.pdf, dist.cdf, name='argus-scipy')
for m0, c, p, lo, hi in [(5.29, -20.0, 1.3, 5.0, 5.3), (5.29, 3.0, 0.5, 5.1, 5.29), (5.29, -5.0, -0.4, 5.0, 5.3)]:
    f = lambda x, m0=m0, c=c, p=p: x * (1 - (x / m0) ** 2) ** p * math.exp(c * (1 - (x / m0) ** 2)) if 0 <= x < m0 else 0.0
    pts = np.linspace(lo, min(hi, m0) - 1e-6, 23)
    add('argus', lo, hi, [m0, c, p], f, extra={'breaks': [m0]}, name='argus-formula', points=pts)

# rx's modified exponentials (dmu.stats.zfit_models): HypExp exp(-beta x) / (1 + exp(-alpha (x - mu))) and
# ModExp (1 - exp(-alpha (x - mu))) exp(-beta (x - mu)), normalised by quad.
for mu, al, be, lo, hi in [(5000, 0.02, 0.002, 4500, 6000), (5200, 0.1, -0.001, 4800, 6000)]:
    add('hypexp', lo, hi, [mu, al, be], lambda x, mu=mu, al=al, be=be: math.exp(-be * (x - lo)) / (1 + math.exp(-al * (x - mu))), extra={'breaks': [mu]})
for mu, al, be, lo, hi in [(4500, 0.01, 0.003, 4600, 6000), (4000, 0.002, 0.0, 4200, 6000)]:
    add('modexp', lo, hi, [mu, al, be], lambda x, mu=mu, al=al, be=be: (1 - math.exp(-al * (x - mu))) * math.exp(-be * (x - mu)))

# KDE: samples from a skewed mixture; Gaussian kernels from scipy.stats.norm; the range normalisation by
# norm.cdf sums; "scott" checked against scipy.stats.gaussian_kde (its bandwidth is factor x sample sd).
samples = np.concatenate([rng.normal(91, 2.5, 300), rng.exponential(8, 100) + 70])
weights = rng.uniform(0.5, 1.5, samples.size)
lo, hi = 60.0, 120.0
xs = np.linspace(lo, hi, 31)


def kde_ref(x, s, w, h):
    h = np.broadcast_to(h, s.shape)
    dens = np.array([np.sum(w * stats.norm.pdf(xx, s, h)) for xx in x]) / np.sum(w)
    norm = np.sum(w * (stats.norm.cdf(hi, s, h) - stats.norm.cdf(lo, s, h))) / np.sum(w)
    return dens / norm, norm


kde = stats.gaussian_kde(samples)
h_scott = float(np.sqrt(kde.covariance[0, 0]))
d_scipy = kde(xs) / kde.integrate_box_1d(lo, hi)
kde_w = stats.gaussian_kde(samples, weights=weights, bw_method='silverman')
h_silv_w = float(np.sqrt(kde_w.covariance[0, 0]))
d_scipy_w = kde_w(xs) / kde_w.integrate_box_1d(lo, hi)
# Abramson adaptive widths on a fixed pilot: h_i = h (f(x_i) / g)^(-1/2), g the weighted geometric mean.
pilot = np.array([np.sum(stats.norm.pdf(x, samples, 1.2)) for x in samples]) / samples.size
g = math.exp(np.mean(np.log(pilot)))
h_ad = 1.2 * (pilot / g) ** -0.5
d_ad, _ = kde_ref(xs, samples, np.ones_like(samples), h_ad)
d_smear, _ = kde_ref(xs, samples, np.ones_like(samples), np.sqrt(1.2 ** 2 + 0.8 ** 2))
kdes = {'samples': samples.tolist(), 'weights': weights.tolist(), 'range': [lo, hi], 'x': xs.tolist(),
        'scott': {'h': h_scott, 'density': d_scipy.tolist()},
        'silverman_weighted': {'h': h_silv_w, 'density': d_scipy_w.tolist()},
        'adaptive_h1.2': {'density': d_ad.tolist()},
        'fixed_h1.2_smear0.8': {'density': d_smear.tolist()}}

# Template: a histogram of the same samples on 24 bins; smeared with a Gaussian (quad of the convolution).
edges = np.linspace(lo, hi, 25)
counts, _ = np.histogram(samples, bins=edges)
hd = counts / np.diff(edges)
step = lambda x: hd[min(len(hd) - 1, max(0, np.searchsorted(edges, x, side='right') - 1))] if lo <= x <= hi else 0.0
s = 1.7
# Phi(za) - Phi(zb) from the upper tails when both are positive (no cancellation far right of a bin).
pdiff = lambda za, zb: stats.norm.sf(zb) - stats.norm.sf(za) if zb > 0 else stats.norm.cdf(za) - stats.norm.cdf(zb)
smeared = lambda x: sum(hd[k] * pdiff((x - edges[k]) / s, (x - edges[k + 1]) / s) for k in range(len(hd)))
norm_s = integrate.quad(smeared, lo, hi, epsabs=0, epsrel=1e-13, limit=500)[0]
norm0 = np.sum(counts)
xt = np.linspace(lo + 0.01, hi - 0.01, 29)
templ = {'edges': edges.tolist(), 'counts': counts.tolist(), 'x': xt.tolist(), 'density': [float(step(x) / norm0) for x in xt],
         'smear': s, 'density_smeared': [float(smeared(x) / norm_s) for x in xt],
         'fraction_smeared_70_90': integrate.quad(smeared, 70, 90, epsabs=0, epsrel=1e-13, limit=500)[0] / norm_s}

json.dump({'generator': 'scripts/ref/scipy-pdfs.py', 'scipy': __import__('scipy').__version__, 'cases': cases, 'kde': kdes, 'template': templ}, open(OUT, 'w'))
print(len(cases), 'cases')

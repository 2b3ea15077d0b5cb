"""Reference for the asymptotically correct covariance of weighted fits (src/fit/weighted.ts asymptoticCovariance,
test/fit-weighted.test.ts), after Langenbruch, EPJC 82 (2022) 393 (arXiv:1911.01303):
    C = H^-1 D H^-1,   D = sum_i w_i^2 g_i g_i^T,   g_i = d log(term_i) / d theta,
with H the Hessian of the weighted NLL at its minimum. Written here in numpy/scipy from the definitions (not from
ntcorr's code): the likelihood terms with analytic range normalisations (scipy.special.erf), per-event gradients
by complex-step differentiation (exact to rounding), H by central differences of the complex-step gradient of
the NLL, the minimum by scipy.optimize (BFGS) polished by Newton steps. Efficiency-like weights w = 1/eff(x)
(eff rising across the range, times a little noise), so the correction differs visibly from SumW2's V H2 V,
which is also written for comparison.

Cases: extended Gauss + exponential unbinned, the same binned (30 bins: terms log nu_b, weights sum w^2 per bin),
and a fraction model (f g + (1 - f) e). Writes test/data/fits/weighted-asymptotic.json.

Run: /work/venv/bin/python scripts/ref/weighted-asymptotic.py
"""
import json, os
import numpy as np
from scipy import optimize, special

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'data', 'fits', 'weighted-asymptotic.json')
LO, HI = 60.0, 120.0
rng = np.random.default_rng(1911)
ns, nb = 300, 500
sig = rng.normal(91.0, 3.0, 3 * ns)
sig = sig[(sig > LO) & (sig < HI)][:ns]
u = rng.uniform(size=nb)
lam0 = -0.03
bkg = LO + np.log1p(u * np.expm1(lam0 * (HI - LO))) / lam0
x = np.concatenate([sig, bkg])
eff = 0.35 + 0.55 * (x - LO) / (HI - LO)
w = rng.uniform(0.9, 1.1, x.size) / eff


def gcdf(t, mu, s):
    return 0.5 * (1 + special.erf((t - mu) / (s * np.sqrt(2))))


def gpdf(t, mu, s):
    return np.exp(-0.5 * ((t - mu) / s) ** 2) / (s * np.sqrt(2 * np.pi)) / (gcdf(HI, mu, s) - gcdf(LO, mu, s))


def epdf(t, lam):
    return lam * np.exp(lam * (t - LO)) / np.expm1(lam * (HI - LO))


def ecdf(t, lam):  # fraction of the normalised exponential below t
    return np.expm1(lam * (t - LO)) / np.expm1(lam * (HI - LO))


def terms_ext(p, t):
    nsig, nbkg, mu, s, lam = p
    return np.log(nsig * gpdf(t, mu, s) + nbkg * epdf(t, lam))


edges = np.linspace(LO, HI, 31)
ib = np.clip(np.floor((x - LO) / (HI - LO) * 30).astype(int), 0, 29)
nw = np.bincount(ib, weights=w, minlength=30)
nw2 = np.bincount(ib, weights=w * w, minlength=30)


def terms_binned(p):
    nsig, nbkg, mu, s, lam = p
    gs = (gcdf(edges[1:], mu, s) - gcdf(edges[:-1], mu, s)) / (gcdf(HI, mu, s) - gcdf(LO, mu, s))
    es = ecdf(edges[1:], lam) - ecdf(edges[:-1], lam)
    return np.log(nsig * gs + nbkg * es)


def terms_frac(p, t):
    f, mu, s, lam = p
    return np.log(f * gpdf(t, mu, s) + (1 - f) * epdf(t, lam))


cases = {
    'extended': dict(params=['nsig', 'nbkg', 'mu', 'sigma', 'lam'], start=[280.0, 520.0, 90.0, 3.5, -0.02],
                     nll=lambda p: p[0] + p[1] - np.sum(w * terms_ext(p, x)), terms=lambda p: terms_ext(p, x), w2=w * w),
    'binned': dict(params=['nsig', 'nbkg', 'mu', 'sigma', 'lam'], start=[280.0, 520.0, 90.0, 3.5, -0.02],
                   nll=lambda p: np.sum(np.exp(terms_binned(p))) - np.sum(nw * terms_binned(p)), terms=terms_binned, w2=nw2),
    'fractions': dict(params=['f', 'mu', 'sigma', 'lam'], start=[0.4, 90.0, 3.5, -0.02],
                      nll=lambda p: -np.sum(w * terms_frac(p, x)), terms=lambda p: terms_frac(p, x), w2=w * w),
}


def cs_grad(fun, p, h=1e-20):
    """Complex-step derivative of a scalar or vector function: d fun / d p_j = Im fun(p + i h e_j) / h."""
    p = np.asarray(p, dtype=complex)
    cols = []
    for j in range(p.size):
        q = p.copy()
        q[j] += 1j * h
        cols.append(np.imag(fun(q)) / h)
    return np.array(cols)


out = {'generator': 'scripts/ref/weighted-asymptotic.py', 'range': [LO, HI], 'x': x.tolist(), 'w': w.tolist(), 'bins': 30, 'cases': {}}
for name, c in cases.items():
    fun = lambda p: float(np.real(c['nll'](np.asarray(p, dtype=complex))))
    grad = lambda p: cs_grad(c['nll'], p)
    r = optimize.minimize(fun, c['start'], jac=grad, method='BFGS', options={'gtol': 1e-8, 'maxiter': 10000})
    p = r.x

    def hess(p, scale):
        """Central differences of the complex-step gradient, steps 1e-4 of each error scale."""
        H = np.empty((p.size, p.size))
        for j in range(p.size):
            h = 1e-4 * scale[j]
            q1, q2 = p.copy(), p.copy()
            q1[j] += h
            q2[j] -= h
            H[j] = (grad(q1) - grad(q2)) / (2 * h)
        return 0.5 * (H + H.T)
    H0 = hess(p, np.abs(p) * 1e-2 + 1e-3)
    for _ in range(20):  # Newton polish to the minimum, steps from the current errors
        p = p - np.linalg.solve(H0, grad(p))
        H0 = hess(p, np.sqrt(np.diag(np.linalg.inv(H0))))
        if np.abs(grad(p) @ np.linalg.solve(H0, grad(p))) < 1e-20:
            break
    assert np.abs(grad(p) @ np.linalg.solve(H0, grad(p))) < 1e-16, (name, grad(p))
    H = H0
    Hinv = np.linalg.inv(H)
    G = cs_grad(c['terms'], p)  # params x events
    D = (G * c['w2']) @ G.T
    C = Hinv @ D @ Hinv
    case = {'params': c['params'], 'values': p.tolist(), 'gradient_at_min': grad(p).tolist(), 'hinv': Hinv.tolist(), 'D': D.tolist(), 'covariance_asymptotic': C.tolist(),
            'errors_asymptotic': np.sqrt(np.diag(C)).tolist(), 'errors_uncorrected': np.sqrt(np.diag(Hinv)).tolist()}
    if name != 'binned':
        # SumW2 for comparison: H2 = Hessian of the NLL with w^2 in place of w (the extended sum N_k term kept).
        w2nll = (lambda q: q[0] + q[1] - np.sum(w * w * terms_ext(q, x))) if name == 'extended' else (lambda q: -np.sum(w * w * terms_frac(q, x)))
        g2 = lambda q: cs_grad(w2nll, q)
        H2 = np.empty_like(H)
        for j in range(p.size):
            h = 1e-4 * np.sqrt(Hinv[j, j])
            q1, q2 = p.copy(), p.copy()
            q1[j] += h
            q2[j] -= h
            H2[j] = (g2(q1) - g2(q2)) / (2 * h)
        H2 = 0.5 * (H2 + H2.T)
        case['errors_sumw2'] = np.sqrt(np.diag(Hinv @ H2 @ Hinv)).tolist()
    out['cases'][name] = case
    print(name, 'values', np.round(p, 5), 'uncorr', np.round(case['errors_uncorrected'], 5), 'asym', np.round(case['errors_asymptotic'], 5), 'sumw2', np.round(case.get('errors_sumw2', []), 5))
json.dump(out, open(OUT, 'w'), indent=1)
print('wrote', OUT)

"""Reference fits with iminuit 2.11 (Debian's python3-iminuit) for test/fit-limits.test.ts and friends.

Writes test/data/fits/: zlike.f64.bin (the dataset, float64 little-endian) and limits.json (per case the model,
start values, steps, limits, and iminuit's Migrad + Hesse result at tol 1e-6 and at the default tol 0.1).
The likelihood is written here from its definition (not from ntcorr's code):
  extended:   NLL = sum_k N_k - sum_i log(sum_k N_k f_k(x_i))
  fractions:  NLL = - sum_i log(f g(x_i) + (1 - f) e(x_i))
with g a Gaussian and e an exponential, each normalised on the observable range; errordef 0.5.

Run: /usr/bin/python3 scripts/ref/iminuit-fits.py   (numpy + iminuit; no scipy needed)
"""
import json, math, os, sys
import numpy as np
from iminuit import Minuit

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'data', 'fits')
os.makedirs(OUT, exist_ok=True)
LO, HI = 60.0, 120.0


def gauss_norm(x, mu, sigma, LO=LO, HI=HI):
    z = (np.asarray(x) - mu) / sigma
    p = 0.5 * (math.erf((HI - mu) / (sigma * math.sqrt(2))) - math.erf((LO - mu) / (sigma * math.sqrt(2))))
    return np.exp(-0.5 * z * z) / (sigma * math.sqrt(2 * math.pi) * p)


def expo_norm(x, lam, LO=LO, HI=HI):
    if abs(lam) < 1e-12:
        return np.full_like(np.asarray(x, dtype=float), 1.0 / (HI - LO))
    return lam * np.exp(lam * (np.asarray(x) - LO)) / math.expm1(lam * (HI - LO))


def sample_truncated_exp(rng, lam, n, LO=LO, HI=HI):
    u = rng.uniform(size=n)
    return LO + np.log1p(u * math.expm1(lam * (HI - LO))) / lam


def sample_truncated_gauss(rng, mu, sigma, n, LO=LO, HI=HI):
    out = np.empty(0)
    while out.size < n:
        x = rng.normal(mu, sigma, size=2 * n)
        out = np.concatenate([out, x[(x >= LO) & (x <= HI)]])
    return out[:n]


rng = np.random.default_rng(20261203)
xs = np.concatenate([sample_truncated_gauss(rng, 91.2, 2.5, 1500), sample_truncated_exp(rng, -0.03, 1000)])
xs.astype('<f8').tofile(os.path.join(OUT, 'zlike.f64.bin'))
# The set-up: a single Gaussian fitted to a Z peak on a sizeable background (20k events), sigma
# starting at 3 with step 0.1 and limits [0.1, 20]: MIGRAD stopped at the start values before the fix.
zs = np.concatenate([sample_truncated_gauss(rng, 91.2, 2.1, 17000), sample_truncated_exp(rng, 0.002, 3000)])
zs.astype('<f8').tofile(os.path.join(OUT, 'zpeak.f64.bin'))

EXT = ['nsig', 'nbkg', 'mu', 'sigma', 'lam']
SINGLE = ['mu', 'sigma']
FRAC = ['f', 'mu', 'sigma', 'lam']


def nll_ext(nsig, nbkg, mu, sigma, lam):
    if sigma <= 0:
        return 1e300
    L = nsig * gauss_norm(xs, mu, sigma) + nbkg * expo_norm(xs, lam)
    return nsig + nbkg - np.sum(np.log(L))


def nll_single(mu, sigma):
    if sigma <= 0:
        return 1e300
    return -np.sum(np.log(gauss_norm(zs, mu, sigma)))


def nll_frac(f, mu, sigma, lam):
    if sigma <= 0:
        return 1e300
    L = f * gauss_norm(xs, mu, sigma) + (1 - f) * expo_norm(xs, lam)
    return -np.sum(np.log(L))


EXT_START = {'nsig': 1400, 'nbkg': 1100, 'mu': 91, 'sigma': 3, 'lam': -0.02}
EXT_STEP = {'nsig': 30, 'nbkg': 30, 'mu': 0.5, 'sigma': 0.1, 'lam': 0.002}
FRAC_START = {'f': 0.55, 'mu': 91, 'sigma': 3, 'lam': -0.02}
FRAC_STEP = {'f': 0.05, 'mu': 0.5, 'sigma': 0.1, 'lam': 0.002}
SINGLE_START = {'mu': 91, 'sigma': 3}
SINGLE_STEP = {'mu': 0.1, 'sigma': 0.1}

# name: (kind, step overrides, limits) -- limits as [lo, hi] with None = open, as in the model YAML.
CASES = {
    'no_limits': ('ext', {}, {}),
    'sigma_0.1_20': ('ext', {}, {'sigma': [0.1, 20]}),
    'sigma_0.1_20_step9': ('ext', {'sigma': 9}, {'sigma': [0.1, 20]}),
    'sigma_0.5_5': ('ext', {}, {'sigma': [0.5, 5]}),
    'no_limits_step9': ('ext', {'sigma': 9}, {}),
    'every_kind': ('ext', {'nsig': 300, 'mu': 5}, {'nsig': [0, 100000], 'nbkg': [0, None], 'mu': [80, 100], 'sigma': [0.1, 20], 'lam': [None, 0]}),
    'fraction': ('frac', {}, {'f': [0, 1], 'sigma': [0.1, 20], 'lam': [-1, 1]}),
    'active_lower': ('ext', {}, {'sigma': [2.7, 10]}),
    'single_gauss_issue': ('single', {}, {'sigma': [0.1, 20]}),
    'single_gauss_issue_step9': ('single', {'sigma': 9}, {'sigma': [0.1, 20]}),
    # Starts exactly on a two-sided limit (sigma = 1 in [1, 20]): the transform puts it just inside.
    'start_on_limit': ('ext', {}, {'sigma': [1, 20]}, {'sigma': 1}),
}


def run(kind, steps, limits, tol, starts, strategy=1):
    names = {'ext': EXT, 'frac': FRAC, 'single': SINGLE}[kind]
    start = dict({'ext': EXT_START, 'frac': FRAC_START, 'single': SINGLE_START}[kind])
    step = dict({'ext': EXT_STEP, 'frac': FRAC_STEP, 'single': SINGLE_STEP}[kind])
    step.update(steps)
    start.update(starts)
    m = Minuit({'ext': nll_ext, 'frac': nll_frac, 'single': nll_single}[kind], **start, name=names)
    m.errordef = Minuit.LIKELIHOOD
    m.strategy = strategy
    m.tol = tol
    for n in names:
        m.errors[n] = step[n]
        if n in limits:
            lo, hi = limits[n]
            m.limits[n] = (-math.inf if lo is None else lo, math.inf if hi is None else hi)
    m.migrad()
    m.hesse()
    return names, start, step, {
        'values': {n: m.values[n] for n in names},
        'errors': {n: m.errors[n] for n in names},
        'covariance': [[m.covariance[a, b] for b in names] for a in names],
        'fmin': m.fval, 'edm': m.fmin.edm, 'valid': m.valid, 'accurate': m.accurate, 'nfcn': m.nfcn,
        'at_limit': bool(m.fmin.has_parameters_at_limit),
    }


cases = {}
for name, (kind, steps, limits, *rest) in CASES.items():
    starts = rest[0] if rest else {}
    names, start, step, tight = run(kind, steps, limits, 1e-6, starts)
    _, _, _, default = run(kind, steps, limits, 0.1, starts)
    cases[name] = {'kind': kind, 'parameters': names, 'start': start, 'step': step, 'limits': limits, 'fit_tight': tight, 'fit': default}
    print(name, tight['valid'], tight['nfcn'], {n: round(v, 5) for n, v in tight['values'].items()}, file=sys.stderr)

json.dump({
    'generator': 'scripts/ref/iminuit-fits.py',
    'iminuit': __import__('iminuit').__version__,
    'numpy': np.__version__,
    'range': [LO, HI],
    'data': {'file': 'zlike.f64.bin', 'events': int(xs.size), 'signal_first': 1500, 'truth': {'mu': 91.2, 'sigma': 2.5, 'lam': -0.03}},
    'data_single': {'file': 'zpeak.f64.bin', 'events': int(zs.size), 'used_by': 'kind single'},
    'cases': cases,
}, open(os.path.join(OUT, 'limits.json'), 'w'), indent=1)


# ---- Simultaneous fit of two categories (sim.json): "ee" on [60, 120] (the zlike data) and "mm" on [70, 110],
# sharing the peak position mu; own widths, slopes and yields; a Gaussian constraint on sigma_mm (1.9 +- 0.2).
MLO, MHI = 70.0, 110.0
ms = np.concatenate([sample_truncated_gauss(rng, 91.2, 1.8, 1200, MLO, MHI), sample_truncated_exp(rng, -0.01, 800, MLO, MHI)])
ms.astype('<f8').tofile(os.path.join(OUT, 'zmm.f64.bin'))
SIM = ['nsig_ee', 'nbkg_ee', 'nsig_mm', 'nbkg_mm', 'mu', 'sigma_ee', 'sigma_mm', 'lam_ee', 'lam_mm']
SIM_START = {'nsig_ee': 1400, 'nbkg_ee': 1100, 'nsig_mm': 1100, 'nbkg_mm': 900, 'mu': 91, 'sigma_ee': 3, 'sigma_mm': 2, 'lam_ee': -0.02, 'lam_mm': -0.02}
SIM_STEP = {'nsig_ee': 30, 'nbkg_ee': 30, 'nsig_mm': 30, 'nbkg_mm': 30, 'mu': 0.5, 'sigma_ee': 0.1, 'sigma_mm': 0.1, 'lam_ee': 0.002, 'lam_mm': 0.002}
SIM_LIMITS = {'nbkg_ee': [0, None], 'nbkg_mm': [0, None], 'sigma_ee': [0.1, 20], 'sigma_mm': [0.1, 20]}
SIM_CONSTRAINT = {'parameter': 'sigma_mm', 'mean': 1.9, 'sigma': 0.2}


def nll_sim(nsig_ee, nbkg_ee, nsig_mm, nbkg_mm, mu, sigma_ee, sigma_mm, lam_ee, lam_mm):
    if sigma_ee <= 0 or sigma_mm <= 0:
        return 1e300
    Le = nsig_ee * gauss_norm(xs, mu, sigma_ee) + nbkg_ee * expo_norm(xs, lam_ee)
    Lm = nsig_mm * gauss_norm(ms, mu, sigma_mm, MLO, MHI) + nbkg_mm * expo_norm(ms, lam_mm, MLO, MHI)
    con = 0.5 * ((sigma_mm - SIM_CONSTRAINT['mean']) / SIM_CONSTRAINT['sigma']) ** 2
    return nsig_ee + nbkg_ee - np.sum(np.log(Le)) + nsig_mm + nbkg_mm - np.sum(np.log(Lm)) + con


m = Minuit(nll_sim, **SIM_START, name=SIM)
m.errordef = Minuit.LIKELIHOOD
m.tol = 1e-4  # edm goal 1e-7 (1e-6 is below what this NLL resolves)
for n in SIM:
    m.errors[n] = SIM_STEP[n]
    if n in SIM_LIMITS:
        lo, hi = SIM_LIMITS[n]
        m.limits[n] = (-math.inf if lo is None else lo, math.inf if hi is None else hi)
m.migrad()
m.hesse()
m.minos('mu', 'nsig_mm')
sim = {
    'generator': 'scripts/ref/iminuit-fits.py', 'iminuit': __import__('iminuit').__version__,
    'categories': {'ee': {'file': 'zlike.f64.bin', 'range': [LO, HI]}, 'mm': {'file': 'zmm.f64.bin', 'range': [MLO, MHI]}},
    'parameters': SIM, 'start': SIM_START, 'step': SIM_STEP, 'limits': SIM_LIMITS, 'constraint': SIM_CONSTRAINT,
    'fit_tight': {
        'values': {n: m.values[n] for n in SIM}, 'errors': {n: m.errors[n] for n in SIM},
        'covariance': [[m.covariance[a, b] for b in SIM] for a in SIM],
        'fmin': m.fval, 'edm': m.fmin.edm, 'valid': m.valid, 'nfcn': m.nfcn,
        'minos': {n: {'lower': m.merrors[n].lower, 'upper': m.merrors[n].upper, 'valid': m.merrors[n].is_valid} for n in ['mu', 'nsig_mm']},
    },
}
print('sim', m.valid, m.nfcn, dict(m.values.to_dict()), file=sys.stderr)
json.dump(sim, open(os.path.join(OUT, 'sim.json'), 'w'), indent=1)

# ---- Constraints in rx's form (constraints.json): the ext model on zlike with a 2-D GaussianConstraint on
# (mu, sigma), a 1-D one on lam (uncertainty) and a PoissonConstraint on (nsig, nbkg); -log L of each written
# from its definition: 0.5 d^T C^-1 d, and lam - n log lam per Poisson term (constants dropped).
RX = {
    'shape': {'kind': 'GaussianConstraint', 'parameters': ['mu', 'sigma'], 'observation': [91.0, 2.6], 'cov': [[0.01, 0.002], [0.002, 0.04]]},
    'slope': {'kind': 'GaussianConstraint', 'parameters': ['lam'], 'observation': [-0.03], 'uncertainty': [0.005]},
    'yields': {'kind': 'PoissonConstraint', 'parameters': ['nsig', 'nbkg'], 'observation': [1450, 980]},
}
Cinv = np.linalg.inv(np.array(RX['shape']['cov']))


def nll_con(nsig, nbkg, mu, sigma, lam):
    d = np.array([mu, sigma]) - np.array(RX['shape']['observation'])
    c = 0.5 * d @ Cinv @ d + 0.5 * ((lam + 0.03) / 0.005) ** 2
    for v, n in zip([nsig, nbkg], RX['yields']['observation']):
        c += v - n * math.log(v)
    return nll_ext(nsig, nbkg, mu, sigma, lam) + c


m = Minuit(nll_con, **EXT_START, name=EXT)
m.errordef = Minuit.LIKELIHOOD
m.tol = 1e-4
for n in EXT:
    m.errors[n] = EXT_STEP[n]
m.migrad()
m.hesse()
print('constraints', m.valid, dict(m.values.to_dict()), file=sys.stderr)
json.dump({'generator': 'scripts/ref/iminuit-fits.py', 'data': 'zlike.f64.bin', 'constraints': RX, 'parameters': EXT, 'start': EXT_START, 'step': EXT_STEP,
           'fit_tight': {'values': {n: m.values[n] for n in EXT}, 'errors': {n: m.errors[n] for n in EXT}, 'fmin': m.fval, 'valid': m.valid}},
          open(os.path.join(OUT, 'constraints.json'), 'w'), indent=1)

# ---- Weighted fit (weighted.json): per-event weights w ~ U(0.3, 1.7) on zlike; iminuit minimises the weighted
# NLL (sum_k N_k - sum_i w_i log L_i), Hesse gives V; the sum-of-weights-squared covariance is
# C = V H2 V with H2 the Hessian of the NLL with weights w^2 at the minimum (numpy: V inv(V2) V).
wts = np.random.default_rng(7).uniform(0.3, 1.7, xs.size)
wts.astype('<f8').tofile(os.path.join(OUT, 'zlike-weights.f64.bin'))


def make_wnll(w):
    def f(nsig, nbkg, mu, sigma, lam):
        if sigma <= 0:
            return 1e300
        L = nsig * gauss_norm(xs, mu, sigma) + nbkg * expo_norm(xs, lam)
        return nsig + nbkg - np.sum(w * np.log(L))
    return f


m = Minuit(make_wnll(wts), **EXT_START, name=EXT)
m.errordef = Minuit.LIKELIHOOD
m.tol = 1e-4
for n in EXT:
    m.errors[n] = EXT_STEP[n]
m.migrad()
m.hesse()
V = np.array(m.covariance)
m2 = Minuit(make_wnll(wts ** 2), **{n: m.values[n] for n in EXT}, name=EXT)
m2.errordef = Minuit.LIKELIHOOD
for n in EXT:
    m2.errors[n] = m.errors[n]
m2.hesse()
V2 = np.array(m2.covariance)
C = V @ np.linalg.inv(V2) @ V
print('weighted', m.valid, dict(m.values.to_dict()), file=sys.stderr)
json.dump({'generator': 'scripts/ref/iminuit-fits.py', 'data': 'zlike.f64.bin', 'weights': 'zlike-weights.f64.bin', 'parameters': EXT, 'start': EXT_START, 'step': EXT_STEP,
           'fit_tight': {'values': {n: m.values[n] for n in EXT}, 'errors_uncorrected': {n: m.errors[n] for n in EXT}, 'fmin': m.fval, 'valid': m.valid,
                         'covariance_sumw2': C.tolist(), 'errors_sumw2': {n: float(math.sqrt(C[i, i])) for i, n in enumerate(EXT)}}},
          open(os.path.join(OUT, 'weighted.json'), 'w'), indent=1)

# ---- sPlot (splot.json): sWeights of the 'no_limits' fit (values from iminuit above), in numpy from the
# definition: V^-1_jk = sum_e f_j f_k / (sum_i N_i f_i)^2, sW_j(e) = sum_k V_jk f_k(e) / sum_i N_i f_i(e).
v = cases['no_limits']['fit_tight']['values']
fs = np.vstack([gauss_norm(xs, v['mu'], v['sigma']), expo_norm(xs, v['lam'])])
Ny = np.array([v['nsig'], v['nbkg']])
den = Ny @ fs
Vinv = (fs / den) @ (fs / den).T
Vy = np.linalg.inv(Vinv)
sw = (Vy @ fs) / den
json.dump({'generator': 'scripts/ref/iminuit-fits.py', 'data': 'zlike.f64.bin', 'values': v, 'components': ['signal', 'background'],
           'yield_covariance': Vy.tolist(), 'first_100': {'signal': sw[0, :100].tolist(), 'background': sw[1, :100].tolist()},
           'sums': sw.sum(axis=1).tolist(), 'sum_squares': (sw ** 2).sum(axis=1).tolist(), 'checksum_x': [float(np.sum(sw[0] * xs)), float(np.sum(sw[1] * xs))]},
          open(os.path.join(OUT, 'splot.json'), 'w'), indent=1)

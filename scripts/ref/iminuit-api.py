"""Reference for the iminuit-shaped API (src/fit/api/minuit.ts, test/fit-minuit-api.test.ts): iminuit 2.11
(Debian's python3-iminuit) on a few functions written here from their definitions: a Rosenbrock function, a
Gaussian NLL with a two-sided limit on sigma (the start of issue 17's MIGRAD-with-limits bug), and a least-squares
quadratic with a fixed coefficient and a one-sided limit. Per case: the start, limits, fixed names, errordef,
the data, then Migrad (values, errors, fval, edm, valid), Hesse (errors, covariance) and Minos (lower, upper).

Writes test/data/fits/minuit-api.json.  Run: /usr/bin/python3 scripts/ref/iminuit-api.py   (numpy + iminuit)
"""
import json, math, os
import numpy as np
from iminuit import Minuit

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'data', 'fits', 'minuit-api.json')
rng = np.random.default_rng(2026)
cases = []


def run(name, fcn, start, errordef, limits=None, fixed=(), data=None, minos=None):
    m = Minuit(fcn, **start)
    m.errordef = errordef
    for k, v in (limits or {}).items():
        m.limits[k] = tuple(None if not math.isfinite(x) else x for x in v)
    for k in fixed:
        m.fixed[k] = True
    m.migrad()
    mig = {'values': dict(m.values.to_dict()), 'errors': dict(m.errors.to_dict()), 'fval': m.fval, 'edm': m.fmin.edm,
           'valid': m.valid, 'nfcn': m.nfcn}
    m.hesse()
    names = list(m.parameters)
    hes = {'errors': dict(m.errors.to_dict()), 'covariance': [[float(m.covariance[a, b]) for b in names] for a in names], 'valid': m.valid,
           'accurate': m.fmin.has_accurate_covar}
    m.minos(*(minos or [n for n in names if n not in fixed]))
    mer = {k: {'lower': v.lower, 'upper': v.upper, 'valid': v.is_valid} for k, v in m.merrors.items()}
    cases.append({'name': name, 'start': start, 'errordef': errordef, 'limits': {k: [x if math.isfinite(x) else ('inf' if x > 0 else '-inf') for x in v] for k, v in (limits or {}).items()},
                  'fixed': list(fixed), 'data': data, 'parameters': names, 'migrad': mig, 'hesse': hes, 'minos': mer})
    print(name, m.valid, m.values.to_dict(), m.errors.to_dict(), {k: (v['lower'], v['upper']) for k, v in mer.items()})


# Rosenbrock: minimum 0 at (1, 1), errordef 1.
run('rosenbrock', lambda a, b: (1 - a) ** 2 + 100 * (b - a * a) ** 2, {'a': -1.2, 'b': 1.0}, 1.0)

# Gaussian NLL (no constants) of 300 draws; sigma limited to [0.1, 20], started far away (sigma = 3).
xg = rng.normal(1.5, 0.7, 300)
def nll(mu, sigma):
    z = (xg - mu) / sigma
    return float(np.sum(0.5 * z * z) + xg.size * math.log(sigma))
run('gauss-nll-limits', nll, {'mu': 0.0, 'sigma': 3.0}, 0.5, limits={'sigma': [0.1, 20.0]}, data=xg.tolist())

# Least squares y = a + b x + c x^2 with errors 0.3; c fixed at its start, b limited to [0, inf).
xq = np.linspace(-2, 3, 25)
yq = 0.5 + 1.2 * xq + 0.1 * xq ** 2 + rng.normal(0, 0.3, xq.size)
def chi2(a, b, c):
    r = (yq - (a + b * xq + c * xq * xq)) / 0.3
    return float(np.sum(r * r))
run('chi2-fixed-onesided', chi2, {'a': 0.0, 'b': 0.5, 'c': 0.1}, 1.0, limits={'b': [0.0, math.inf]}, fixed=('c',), data={'x': xq.tolist(), 'y': yq.tolist(), 'sigma': 0.3})

json.dump({'iminuit': __import__('iminuit').__version__, 'cases': cases}, open(OUT, 'w'), indent=1)
print('wrote', OUT)

"""Reference for the Hypatia PDF (src/fit/pdfs/hypatia.ts, test/fit-hypatia.test.ts): ROOT's RooHypatia2
formula (RooHypatia2.cxx: besselK/LnBesselK with their small-argument forms, LogEval, diff_eval, the tail
constants A and B) transcribed literally into numpy with scipy.special.kv, normalised on the range by
scipy.integrate.quad (split at the tail joins and the peak). Not from ntcorr's code: the TypeScript evaluates the
same density in log space with its own Bessel function and a ratio form of diff_eval.

Writes test/data/fits/hypatia.json: log K_nu(x) values (scipy.special.kve), and per case the range, the
parameters (lambda, zeta, beta, sigma, mu, a, n, a2, n2), points x, the normalised density, fractions in a few
sub-intervals; plus a zeta -> 0 and a zeta -> infinity (Gaussian) limit from this same formula.

Run: /work/venv/bin/python scripts/ref/hypatia-ref.py
"""
import json, math, os
import numpy as np
from scipy import integrate, special, stats

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'data', 'fits', 'hypatia.json')
sq2pi = math.sqrt(2 * math.pi)
sq2pi_inv = 1 / sq2pi
logsq2pi = math.log(sq2pi)


def low_x_BK(nu, x):
    return special.gamma(nu) * 2.0 ** (nu - 1) * x ** (-nu)


def low_x_LnBK(nu, x):
    return math.log(special.gamma(nu)) + (nu - 1) * math.log(2) - nu * math.log(x)


def besselK(ni, x):
    nu = abs(ni)
    if (x < 1e-6 and nu > 0) or (x < 1e-4 and 0 < nu < 55) or (x < 0.1 and nu >= 55):
        return low_x_BK(nu, x)
    return special.kv(nu, x)


def LnBesselK(ni, x):
    nu = abs(ni)
    if (x < 1e-6 and nu > 0) or (x < 1e-4 and 0 < nu < 55) or (x < 0.1 and nu >= 55):
        return low_x_LnBK(nu, x)
    return math.log(special.kve(nu, x)) - x  # log(kv) without underflow; identical value


def LogEval(d, l, alpha, beta, delta):
    gamma = alpha
    dg = delta * gamma
    thing = delta * delta + d * d
    logno = l * math.log(gamma / delta) - logsq2pi - LnBesselK(l, dg)
    return math.exp(logno + beta * d + (0.5 - l) * (math.log(alpha) - 0.5 * math.log(thing)) + LnBesselK(l - 0.5, alpha * math.sqrt(thing)))


def diff_eval(d, l, alpha, beta, delta):
    gamma = alpha
    dg = delta * gamma
    thing = delta * delta + d * d
    sqrthing = math.sqrt(thing)
    alphasq = alpha * sqrthing
    no = (gamma / delta) ** l / besselK(l, dg) * sq2pi_inv
    ns1 = 0.5 - l
    return no * alpha ** ns1 * thing ** (l / 2 - 1.25) * (-d * alphasq * (besselK(l - 1.5, alphasq) + besselK(l + 0.5, alphasq)) + (2 * (beta * thing + d * l) - d) * besselK(ns1, alphasq)) * math.exp(beta * d) * 0.5


def hypatia(x, l, zeta, beta, sigma, mu, a, n, a2, n2):
    d = x - mu
    cons0 = math.sqrt(zeta)
    alsigma = a * sigma
    a2sigma = a2 * sigma
    if zeta > 0:
        phi = besselK(l + 1, zeta) / besselK(l, zeta)
        cons1 = sigma / math.sqrt(phi)
        alpha = cons0 / cons1
        delta = cons0 * cons1
        if d < -alsigma:
            k1 = LogEval(-alsigma, l, alpha, beta, delta)
            k2 = diff_eval(-alsigma, l, alpha, beta, delta)
            B = -alsigma + n * k1 / k2
            A = k1 * (B + alsigma) ** n
            return A * (B - d) ** (-n)
        if d > a2sigma:
            k1 = LogEval(a2sigma, l, alpha, beta, delta)
            k2 = diff_eval(a2sigma, l, alpha, beta, delta)
            B = -a2sigma - n2 * k1 / k2
            A = k1 * (B + a2sigma) ** n2
            return A * (B + d) ** (-n2)
        return LogEval(d, l, alpha, beta, delta)
    assert zeta == 0 and l < 0
    delta = sigma
    if d < -alsigma:
        cons1 = math.exp(-beta * alsigma)
        phi = 1 + a * a
        k1 = cons1 * phi ** (l - 0.5)
        k2 = beta * k1 - cons1 * (l - 0.5) * phi ** (l - 1.5) * 2 * a / delta
        B = -alsigma + n * k1 / k2
        A = k1 * (B + alsigma) ** n
        return A * (B - d) ** (-n)
    if d > a2sigma:
        cons1 = math.exp(beta * a2sigma)
        phi = 1 + a2 * a2
        k1 = cons1 * phi ** (l - 0.5)
        k2 = beta * k1 + cons1 * (l - 0.5) * phi ** (l - 1.5) * 2 * a2 / delta
        B = -a2sigma - n2 * k1 / k2
        A = k1 * (B + a2sigma) ** n2
        return A * (B + d) ** (-n2)
    return math.exp(beta * d) * (1 + d * d / (delta * delta)) ** (l - 0.5)


def normalised(lo, hi, p):
    l, zeta, beta, sigma, mu, a, n, a2, n2 = p
    brk = sorted({lo, hi, *[b for b in (mu - a * sigma, mu - sigma, mu, mu + sigma, mu + a2 * sigma) if lo < b < hi]})
    f = lambda x: hypatia(x, *p)

    def q(u, v):
        s = 0.0
        for b0, b1 in zip(brk[:-1], brk[1:]):
            x0, x1 = max(b0, u), min(b1, v)
            if x1 > x0:
                s += integrate.quad(f, x0, x1, epsabs=0, epsrel=1e-13, limit=500)[0]
        return s
    return f, q


cases = []


def add(name, lo, hi, p):
    f, q = normalised(lo, hi, p)
    norm = q(lo, hi)
    xs = np.linspace(lo, hi, 25)
    w = hi - lo
    subs = [[lo, lo + 0.3 * w], [lo + 0.4 * w, lo + 0.55 * w], [lo + 0.7 * w, hi]]
    cases.append({'name': name, 'range': [lo, hi], 'params': list(p), 'x': xs.tolist(), 'density': [f(x) / norm for x in xs],
                  'intervals': subs, 'fractions': [q(a, b) / norm for a, b in subs]})


# (lambda, zeta, beta, sigma, mu, a, n, a2, n2): B -> K*ee-like, J/psi-like, a skewed one, heavy tails, n = 0 tail.
add('bmass', 5000, 5600, (-2.0, 1.0, 0.0, 20.0, 5280.0, 1.5, 2.0, 2.0, 3.0))
add('jpsi', 2900, 3300, (-1.2, 0.5, 0.0, 15.0, 3097.0, 2.5, 1.2, 3.0, 5.0))
add('skewed', 60, 120, (-3.5, 2.0, -0.02, 3.0, 91.0, 1.2, 4.0, 1.8, 1.5))
add('positive-lambda', 60, 120, (1.5, 5.0, 0.01, 2.5, 90.0, 2.0, 2.0, 2.0, 2.0))
add('flat-tail', 5000, 5600, (-2.0, 1.5, 0.0, 25.0, 5280.0, 2.0, 0.0, 2.0, 1.0))
add('tiny-zeta', 5000, 5600, (-2.5, 5e-5, 0.0, 20.0, 5280.0, 1.5, 2.0, 2.0, 3.0))
add('zeta0', 5000, 5600, (-2.5, 0.0, 0.0, 20.0, 5280.0, 1.5, 2.0, 2.0, 3.0))
add('zeta0-beta', 60, 120, (-1.3, 0.0, 0.03, 2.0, 91.0, 1.0, 3.0, 1.5, 2.0))

# Limits of this formula (no tails in the range: a, a2 large): zeta -> 0 with lambda < -1 is the zeta = 0 form
# with delta = sigma sqrt(-2 lambda - 2) (K_nu(z) ~ Gamma(nu) 2^(nu-1) z^-nu gives K_(l+1)/K_l -> z / (2(-l-1)));
# zeta -> infinity is a Gaussian of width sigma.
limits = {}
lam, sig = -2.5, 20.0
_, qa = normalised(5000, 5600, (lam, 1e-9, 0.0, sig, 5280.0, 50, 2, 50, 2))
_, qb = normalised(5000, 5600, (lam, 0.0, 0.0, sig * math.sqrt(-2 * lam - 2), 5280.0, 50, 2, 50, 2))
xs = np.linspace(5000, 5600, 13)
na, nb = qa(5000, 5600), qb(5000, 5600)
limits['zeta0'] = {'x': xs.tolist(), 'small_zeta': [hypatia(x, lam, 1e-9, 0.0, sig, 5280.0, 50, 2, 50, 2) / na for x in xs],
                   'zeta0_scaled_sigma': [hypatia(x, lam, 0.0, 0.0, sig * math.sqrt(-2 * lam - 2), 5280.0, 50, 2, 50, 2) / nb for x in xs]}
g = stats.norm(5280.0, sig)
limits['gauss'] = {'x': xs.tolist(), 'gauss': [g.pdf(x) / (g.cdf(5600) - g.cdf(5000)) for x in xs]}

kv = [[nu, x, float(np.log(special.kve(nu, x)) - x)] for nu, x in [(0, 1), (0.5, 2), (1.3, 0.01), (-2.7, 5), (10, 0.3), (0, 1e-5), (3.5, 700), (0.2, 1e4), (60, 0.5), (-3.0, 1e-3), (2.25, 40)]]
json.dump({'besselk_log': kv, 'cases': cases, 'limits': limits}, open(OUT, 'w'), indent=1)
print('wrote', OUT, len(cases), 'cases; zeta0 max rel diff', max(abs(a / b - 1) for a, b in zip(limits['zeta0']['small_zeta'], limits['zeta0']['zeta0_scaled_sigma'])))

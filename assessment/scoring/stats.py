"""Statistics behind the scores: intervals and inequality measures (DESIGN section 4, issue 19).

Every formula here is the textbook one, written so that a figure can be checked by hand:

* **Wilson score interval** for a proportion ``p = x / n`` at confidence ``c`` with
  ``z = Φ⁻¹(1 − (1 − c)/2)`` (1.95996 at 95%, 3.09023 at 99.8%)::

      (2x + z² ± z·√(z² + 4x(1 − p))) / (2(n + z²))

* **Jeffreys interval** (Brown, Cai & DasGupta 2001): the α/2 and 1 − α/2 quantiles of
  Beta(x + ½, n − x + ½), with the lower bound 0 at x = 0 and the upper 1 at x = n.
* **Clopper-Pearson (exact) interval**: lower = Beta(x, n − x + 1) quantile α/2 (0 at x = 0),
  upper = Beta(x + 1, n − x) quantile 1 − α/2 (1 at x = n); at x = 0 the upper bound is
  ``1 − (α/2)^(1/n)``.
* **Poisson count interval** as PHEindicatormethods ``phe_rate`` computes it (Fingertips): for an
  observed count O < 10 the exact interval ``[χ²(α/2; 2O)/2, χ²(1 − α/2; 2O + 2)/2]`` (Armitage &
  Berry 2002), otherwise **Byar's** approximation (Breslow & Day 1987)::

      lower = O·(1 − 1/(9O) − z/(3√O))³,   upper = (O + 1)·(1 − 1/(9(O + 1)) + z/(3√(O + 1)))³

  A rate per ``m`` people is then ``m · bound / denominator``: 3 infant deaths in 500 live births
  give 6 per 1,000 with the exact interval 1.24-17.54.

The beta and gamma quantiles are computed here (no scipy): the regularized incomplete beta by its
continued fraction and the regularized incomplete gamma by its series, inverted by bisection to
full double precision; vectorised, over the distinct (x, n) pairs only.

* **Coefficient of variation** ``CV = σ/μ`` with the population standard deviation (``ddof=0``);
  population-weighted: ``√(Σ pᵢ(yᵢ − ȳ)²)/ȳ`` with ``pᵢ = Pᵢ/P``.
* **Gini** from the Lorenz curve of the (weighted) distribution:
  ``G = 1 − Σᵢ pᵢ (Lᵢ₋₁ + Lᵢ)`` where ``pᵢ`` is unit i's population share and ``Lᵢ`` the cumulative
  share of the service up to unit i (units sorted by value). With equal weights this is the
  population Gini ``Σᵢ Σⱼ |yᵢ − yⱼ| / (2n²ȳ)`` (no small-sample correction): [1,2,3,4] gives 0.25.
* **Theil T** ``T = Σᵢ pᵢ (yᵢ/ȳ) ln(yᵢ/ȳ)`` (``0·ln 0 = 0``) and its exact decomposition over
  groups g: ``T = Σ_g s_g ln(s_g/p_g) + Σ_g s_g T_g`` (between + within), with ``p_g`` the group's
  population share, ``s_g`` its share of the service and ``T_g`` the Theil index inside the group.
* **SD of logs** (for σ-convergence) ``√(Σ pᵢ (ln yᵢ − m)²)`` with ``m = Σ pᵢ ln yᵢ``.

:func:`inequality` computes all of them for many groups at once (one vectorised pass); the scalar
functions :func:`gini`, :func:`theil`, :func:`theil_decomposition` and :func:`cv` are the same
formulas for one distribution, used by tests and for explanations.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from statistics import NormalDist

import numpy as np
import pandas as pd

from assessment.scoring import parallel

Numbers = Sequence[float] | np.ndarray

__all__ = [
    "INTERVAL_METHODS",
    "beta_ppf",
    "betainc",
    "byars_interval",
    "clopper_pearson_interval",
    "cv",
    "exact_poisson_interval",
    "gamma_ppf",
    "gammainc",
    "gini",
    "inequality",
    "jeffreys_interval",
    "poisson_interval",
    "proportion_interval",
    "theil",
    "theil_decomposition",
    "wilson_interval",
    "z_value",
]

INTERVAL_METHODS = ("wilson", "jeffreys", "clopper_pearson")  # for proportions; Wilson by default
EXACT_BELOW = 10  # a Poisson count under this gets the exact interval, from it on Byar's (as PHE)


def z_value(confidence: float) -> float:
    """Two-sided standard normal quantile: 0.95 -> 1.959964, 0.998 -> 3.090232."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")
    return NormalDist().inv_cdf(1.0 - (1.0 - confidence) / 2.0)


def wilson_interval(
    numerator: np.ndarray | Sequence[float] | float,
    denominator: np.ndarray | Sequence[float] | float,
    confidence: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for ``numerator / denominator``, as proportions in [0, 1].

    Vectorised: returns ``(low, high)`` arrays; NaN where the denominator is missing or not
    positive, or the numerator is missing, negative or above the denominator.

    >>> low, high = wilson_interval(45, 50)
    >>> round(float(low), 4), round(float(high), 4)
    (0.7864, 0.9565)
    """
    x = np.asarray(numerator, dtype="float64")
    n = np.asarray(denominator, dtype="float64")
    z = z_value(confidence)
    z2 = z * z
    ok = (n > 0) & (x >= 0) & (x <= n)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(ok, x / np.where(ok, n, 1.0), np.nan)
        centre = 2.0 * x + z2
        half = z * np.sqrt(z2 + 4.0 * x * (1.0 - p))
        denom = 2.0 * (n + z2)
        low = np.where(ok, (centre - half) / denom, np.nan)
        high = np.where(ok, (centre + half) / denom, np.nan)
    # exact bounds at the edges (rounding can leave 1e-17 below 0 or above 1)
    low = np.where(ok & (x == 0), 0.0, np.clip(low, 0.0, 1.0))
    high = np.where(ok & (x == n), 1.0, np.clip(high, 0.0, 1.0))
    return low, high


_lgamma = np.frompyfunc(math.lgamma, 1, 1)


def _lgam(a: np.ndarray) -> np.ndarray:
    return np.asarray(_lgamma(a), dtype="float64")


def betainc(a: np.ndarray | float, b: np.ndarray | float, x: np.ndarray | float) -> np.ndarray:
    """Regularized incomplete beta ``I_x(a, b)`` (a, b > 0, 0 <= x <= 1), vectorised.

    The continued fraction of Numerical Recipes (modified Lentz), on ``I_x(a, b)`` where
    ``x < (a + 1)/(a + b + 2)`` and on ``1 − I_{1−x}(b, a)`` elsewhere, iterated until every element
    has converged (relative change under 1e-15). ``I_x(a, b)`` for whole a, b is the binomial tail
    ``P(Binomial(a + b − 1, x) >= a)``.
    """
    a_, b_, x_ = np.broadcast_arrays(*(np.asarray(v, dtype="float64") for v in (a, b, x)))
    a_, b_, x_ = a_.ravel(), b_.ravel(), x_.ravel()
    out = np.full(a_.shape, np.nan)
    ok = (a_ > 0) & (b_ > 0) & (x_ >= 0) & (x_ <= 1)
    out[ok & (x_ == 0)] = 0.0
    out[ok & (x_ == 1)] = 1.0
    inner = ok & (x_ > 0) & (x_ < 1)
    if inner.any():
        a0, b0, x0 = a_[inner], b_[inner], x_[inner]
        swap = x0 >= (a0 + 1.0) / (a0 + b0 + 2.0)
        aa = np.where(swap, b0, a0)
        bb = np.where(swap, a0, b0)
        xx = np.where(swap, 1.0 - x0, x0)
        front = np.exp(_lgam(aa + bb) - _lgam(aa) - _lgam(bb) + aa * np.log(xx) + bb * np.log1p(-xx)) / aa
        cf = _betacf(aa, bb, xx)
        val = front * cf
        out[inner] = np.where(swap, 1.0 - val, val)
    return out.reshape(np.broadcast(np.asarray(a), np.asarray(b), np.asarray(x)).shape)


def _betacf(a: np.ndarray, b: np.ndarray, x: np.ndarray, max_iter: int = 100_000) -> np.ndarray:
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = np.ones_like(a)
    d = 1.0 - qab * x / qap
    d = np.where(np.abs(d) < tiny, tiny, d)
    d = 1.0 / d
    h = d.copy()
    active = np.ones(a.shape, dtype=bool)
    for m in range(1, max_iter + 1):
        if not active.any():
            break
        idx = np.flatnonzero(active)
        ai, bi, xi = a[idx], b[idx], x[idx]
        ci, di, hi = c[idx], d[idx], h[idx]
        m2 = 2.0 * m
        aa = m * (bi - m) * xi / ((qam[idx] + m2) * (ai + m2))
        di = 1.0 + aa * di
        di = np.where(np.abs(di) < tiny, tiny, di)
        ci = 1.0 + aa / ci
        ci = np.where(np.abs(ci) < tiny, tiny, ci)
        di = 1.0 / di
        hi = hi * di * ci
        aa = -(ai + m) * (qab[idx] + m) * xi / ((ai + m2) * (qap[idx] + m2))
        di = 1.0 + aa * di
        di = np.where(np.abs(di) < tiny, tiny, di)
        ci = 1.0 + aa / ci
        ci = np.where(np.abs(ci) < tiny, tiny, ci)
        di = 1.0 / di
        delta = di * ci
        hi = hi * delta
        c[idx], d[idx], h[idx] = ci, di, hi
        active[idx] = np.abs(delta - 1.0) > 1e-15
    return h


def gammainc(a: np.ndarray | float, x: np.ndarray | float) -> np.ndarray:
    """Regularized lower incomplete gamma ``P(a, x)`` (a > 0, x >= 0), vectorised.

    The series ``e^{−x} x^a / Γ(a + 1) · Σₖ xᵏ / ((a + 1)…(a + k))`` summed until every term is
    negligible. ``P(k, t)`` for whole k is ``P(Poisson(t) >= k)``. Meant for the small counts of the
    exact Poisson interval (a, x up to a few hundred).
    """
    a_, x_ = np.broadcast_arrays(np.asarray(a, dtype="float64"), np.asarray(x, dtype="float64"))
    shape = a_.shape
    a_, x_ = a_.ravel(), x_.ravel()
    out = np.full(a_.shape, np.nan)
    ok = (a_ > 0) & (x_ >= 0)
    out[ok & (x_ == 0)] = 0.0
    inner = ok & (x_ > 0)
    if inner.any():
        a0, x0 = a_[inner], x_[inner]
        term = np.ones_like(a0)
        total = np.ones_like(a0)
        ap = a0.copy()
        for _ in range(100_000):
            ap = ap + 1.0
            term = term * x0 / ap
            total = total + term
            if np.all(term < total * 1e-17):
                break
        log_front = -x0 + a0 * np.log(x0) - _lgam(a0 + 1.0)
        out[inner] = np.minimum(1.0, total * np.exp(log_front))
    return out.reshape(shape)


def _bisect(
    cdf: Callable[[np.ndarray], np.ndarray], q: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> np.ndarray:
    """The x in [lo, hi] with ``cdf(x) = q`` (cdf increasing), by bisection to double precision."""
    lo, hi = lo.copy(), hi.copy()
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        below = cdf(mid) < q
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
        if np.all((hi - lo) <= 4e-16 * np.maximum(1.0, np.abs(hi))):
            break
    return 0.5 * (lo + hi)


def beta_ppf(q: np.ndarray | float, a: np.ndarray | float, b: np.ndarray | float) -> np.ndarray:
    """Quantile of Beta(a, b): the x with ``I_x(a, b) = q`` (vectorised; NaN for bad arguments)."""
    q_, a_, b_ = np.broadcast_arrays(*(np.asarray(v, dtype="float64") for v in (q, a, b)))
    shape = q_.shape
    q_, a_, b_ = q_.ravel(), a_.ravel(), b_.ravel()
    out = np.full(q_.shape, np.nan)
    ok = (a_ > 0) & (b_ > 0) & (q_ >= 0) & (q_ <= 1)
    if ok.any():
        aa, bb, qq = a_[ok], b_[ok], q_[ok]
        zeros = np.zeros_like(qq)
        out[ok] = _bisect(lambda x: betainc(aa, bb, x), qq, zeros, zeros + 1.0)
    return out.reshape(shape)


def gamma_ppf(q: np.ndarray | float, a: np.ndarray | float) -> np.ndarray:
    """Quantile of Gamma(a, 1): the t with ``P(a, t) = q`` (vectorised; NaN for bad arguments)."""
    q_, a_ = np.broadcast_arrays(np.asarray(q, dtype="float64"), np.asarray(a, dtype="float64"))
    shape = q_.shape
    q_, a_ = q_.ravel(), a_.ravel()
    out = np.full(q_.shape, np.nan)
    ok = (a_ > 0) & (q_ >= 0) & (q_ < 1)
    if ok.any():
        aa, qq = a_[ok], q_[ok]
        hi = aa + 20.0 * np.sqrt(aa) + 60.0  # far beyond the 1 − 1e-12 quantile of every a used here
        out[ok] = _bisect(lambda t: gammainc(aa, t), qq, np.zeros_like(qq), hi)
    return out.reshape(shape)


def _proportion_args(
    numerator: np.ndarray | Sequence[float] | float, denominator: np.ndarray | Sequence[float] | float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.asarray(numerator, dtype="float64")
    n = np.asarray(denominator, dtype="float64")
    with np.errstate(invalid="ignore"):
        ok = (n > 0) & (x >= 0) & (x <= n)
    return x, n, ok


def _beta_interval(
    x: np.ndarray,
    n: np.ndarray,
    ok: np.ndarray,
    confidence: float,
    shape_low: tuple[np.ndarray, np.ndarray],
    shape_high: tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    alpha = 1.0 - confidence
    low = np.full(np.broadcast(x, n).shape, np.nan)
    high = low.copy()
    need_low = ok & (x > 0)
    need_high = ok & (x < n)
    low = np.where(ok & (x == 0), 0.0, low)
    high = np.where(ok & (x == n), 1.0, high)
    for mask, (a, b), q, target in (
        (need_low, shape_low, alpha / 2.0, "low"),
        (need_high, shape_high, 1.0 - alpha / 2.0, "high"),
    ):
        if not np.any(mask):
            continue
        a_m = np.broadcast_to(a, mask.shape)[mask]
        b_m = np.broadcast_to(b, mask.shape)[mask]
        pairs = np.stack([a_m, b_m], axis=1)
        uniq, inv = np.unique(pairs, axis=0, return_inverse=True)  # each distinct (x, n) once
        vals = beta_ppf(q, uniq[:, 0], uniq[:, 1])[np.ravel(inv)]
        if target == "low":
            low = np.where(mask, 0.0, low)
            low[mask] = vals
        else:
            high = np.where(mask, 0.0, high)
            high[mask] = vals
    return low, high


def jeffreys_interval(
    numerator: np.ndarray | Sequence[float] | float,
    denominator: np.ndarray | Sequence[float] | float,
    confidence: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """Jeffreys interval for ``numerator / denominator`` as proportions (NaN as in Wilson's)."""
    z_value(confidence)  # checks the level
    x, n, ok = _proportion_args(numerator, denominator)
    return _beta_interval(x, n, ok, confidence, (x + 0.5, n - x + 0.5), (x + 0.5, n - x + 0.5))


def clopper_pearson_interval(
    numerator: np.ndarray | Sequence[float] | float,
    denominator: np.ndarray | Sequence[float] | float,
    confidence: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """Clopper-Pearson (exact) interval for ``numerator / denominator`` (NaN as in Wilson's).

    >>> low, high = clopper_pearson_interval(0, 1)
    >>> float(low), round(float(high), 4)
    (0.0, 0.975)
    """
    z_value(confidence)
    x, n, ok = _proportion_args(numerator, denominator)
    return _beta_interval(x, n, ok, confidence, (x, n - x + 1.0), (x + 1.0, n - x))


def proportion_interval(
    numerator: np.ndarray | Sequence[float] | float,
    denominator: np.ndarray | Sequence[float] | float,
    confidence: float = 0.95,
    method: str = "wilson",
) -> tuple[np.ndarray, np.ndarray]:
    """The interval of ``method`` (one of :data:`INTERVAL_METHODS`), as proportions in [0, 1]."""
    funcs = {
        "wilson": wilson_interval,
        "jeffreys": jeffreys_interval,
        "clopper_pearson": clopper_pearson_interval,
    }
    if method not in funcs:
        raise ValueError(f"interval must be one of {INTERVAL_METHODS}, got {method!r}")
    return funcs[method](numerator, denominator, confidence)


def byars_interval(
    count: np.ndarray | Sequence[float] | float, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Byar's approximate interval for an observed Poisson count (NaN for a missing or negative one;
    the lower bound is 0 for a count of 0)."""
    o = np.asarray(count, dtype="float64")
    z = z_value(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        ok = o >= 0
        pos = np.where(ok & (o > 0), o, 1.0)
        low = np.where(o > 0, pos * (1.0 - 1.0 / (9.0 * pos) - z / (3.0 * np.sqrt(pos))) ** 3, 0.0)
        up1 = np.where(ok, o + 1.0, 1.0)
        high = up1 * (1.0 - 1.0 / (9.0 * up1) + z / (3.0 * np.sqrt(up1))) ** 3
    return np.where(ok, np.maximum(low, 0.0), np.nan), np.where(ok, high, np.nan)


def exact_poisson_interval(
    count: np.ndarray | Sequence[float] | float, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Exact interval for an observed Poisson count O: ``[G⁻¹(α/2; O), G⁻¹(1 − α/2; O + 1)]`` with
    G the Gamma(·, 1) distribution (= χ²(·; 2O)/2); the lower bound is 0 for O = 0.

    >>> low, high = exact_poisson_interval(3)
    >>> round(float(low), 4), round(float(high), 4)
    (0.6187, 8.7673)
    """
    o = np.asarray(count, dtype="float64")
    alpha = 1.0 - confidence
    z_value(confidence)
    with np.errstate(invalid="ignore"):
        ok = o >= 0
    low = np.full(o.shape, np.nan)
    high = np.full(o.shape, np.nan)
    if np.any(ok):
        vals = o[ok]
        uniq, inv = np.unique(vals, return_inverse=True)
        lo_u = np.where(uniq > 0, gamma_ppf(alpha / 2.0, np.where(uniq > 0, uniq, 1.0)), 0.0)
        hi_u = gamma_ppf(1.0 - alpha / 2.0, uniq + 1.0)
        low[ok] = lo_u[np.ravel(inv)]
        high[ok] = hi_u[np.ravel(inv)]
    return low, high


def poisson_interval(
    count: np.ndarray | Sequence[float] | float, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The interval PHEindicatormethods ``phe_rate`` gives a count: exact below :data:`EXACT_BELOW`
    (10) events, Byar's from it on. Returns ``(low, high, exact)`` (``exact`` True where the exact
    method was used)."""
    o = np.asarray(count, dtype="float64")
    with np.errstate(invalid="ignore"):
        small = o < EXACT_BELOW
    b_low, b_high = byars_interval(o, confidence)
    e_low, e_high = exact_poisson_interval(np.where(small, o, np.nan), confidence)
    return np.where(small, e_low, b_low), np.where(small, e_high, b_high), small & (o >= 0)


def _as_arrays(values: Numbers, weights: Numbers | None) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(values, dtype="float64")
    w = np.ones_like(y) if weights is None else np.asarray(weights, dtype="float64")
    if y.shape != w.shape:
        raise ValueError("values and weights must have the same length")
    keep = ~np.isnan(y) & ~np.isnan(w)
    return y[keep], w[keep]


def cv(values: Numbers, weights: Numbers | None = None) -> float:
    """Coefficient of variation σ/μ (population σ; population-weighted when weights are given)."""
    y, w = _as_arrays(values, weights)
    if y.size < MIN_REGIONS or w.sum() <= 0:
        return float("nan")
    mu = float(np.sum(w * y) / np.sum(w))
    if mu == 0:
        return float("nan")
    return float(np.sqrt(np.sum(w * (y - mu) ** 2) / np.sum(w)) / mu)


def gini(values: Numbers, weights: Numbers | None = None) -> float:
    """Gini coefficient from the Lorenz curve; 0 = equal, → 1 = one unit has everything.

    >>> gini([1, 1, 1, 1]), gini([1, 2, 3, 4])
    (0.0, 0.25)
    """
    y, w = _as_arrays(values, weights)
    if y.size < MIN_REGIONS or np.any(y < 0) or np.sum(w * y) <= 0:
        return float("nan")
    order = np.lexsort((w, y))
    y, w = y[order], w[order]
    p = w / w.sum()
    s = w * y / np.sum(w * y)
    lorenz = np.cumsum(s)
    g = 1.0 - np.sum(p * (2.0 * lorenz - s))
    return 0.0 if g < _ZERO else float(g)


def theil(values: Numbers, weights: Numbers | None = None) -> float:
    """Theil T index ``Σ pᵢ (yᵢ/ȳ) ln(yᵢ/ȳ)``; 0 = equal, ln(n) = one unit has everything.
    Undefined (NaN) for fewer than two regions."""
    y, w = _as_arrays(values, weights)
    if y.size < MIN_REGIONS:
        return float("nan")
    return _theil(y, w)


def _theil(y: np.ndarray, w: np.ndarray) -> float:
    """Theil T of one distribution of any size (a group of one inside a decomposition counts 0)."""
    if y.size == 0 or np.any(y < 0) or np.sum(w * y) <= 0:
        return float("nan")
    p = w / w.sum()
    r = y / np.sum(p * y)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(r > 0, r * np.log(r), 0.0)
    return float(np.sum(p * terms))


def theil_decomposition(
    values: Numbers, groups: Sequence[object] | np.ndarray, weights: Numbers | None = None
) -> tuple[float, float, float]:
    """``(total, between, within)`` Theil T over ``groups``; ``between + within == total``."""
    y = np.asarray(values, dtype="float64")
    w = np.ones_like(y) if weights is None else np.asarray(weights, dtype="float64")
    g = np.asarray(groups, dtype=object)
    total = theil(y, w)
    if np.isnan(total):  # fewer than 2 regions, a negative value or nothing to share: undefined
        return total, float("nan"), float("nan")
    mu = np.sum(w * y) / np.sum(w)
    between = 0.0
    within = 0.0
    for key in pd.unique(g):
        m = g == key
        wg, yg = w[m], y[m]
        p_g = wg.sum() / w.sum()
        mu_g = np.sum(wg * yg) / wg.sum()
        s_g = p_g * mu_g / mu
        if s_g > 0:
            between += s_g * np.log(mu_g / mu)
            within += s_g * _theil(yg, wg)
    return total, float(between), float(within)


_ZERO = 1e-12  # rounding noise: a Gini below this is reported as exactly 0

# Inequality needs at least two regions (issue 19 point 5): the dispersion of one region is not 0
# but undefined, so every measure is NaN and ``undefined_reason`` says why.
MIN_REGIONS = 2
FEWER_THAN_2 = "fewer_than_2_regions"
DISPERSION_COLUMNS = (
    "sd",
    "cv",
    "gini",
    "theil",
    "theil_between",
    "theil_within",
    "max_min_ratio",
    "sd_log",
)

INEQUALITY_COLUMNS = ("n_regions", "mean", "weighted_mean", *DISPERSION_COLUMNS, "undefined_reason")


def inequality(
    frame: pd.DataFrame,
    by: Sequence[str],
    *,
    value: str = "value",
    weight: str | None = "population",
    subgroup: str | None = "parent_code",
) -> pd.DataFrame:
    """Inequality measures of ``value`` for every group of ``by``, in one vectorised pass.

    ``weight`` is the population column (None = every row counts once); ``subgroup`` the column the
    Theil index is decomposed over (None = no decomposition: between 0, within = total). Rows whose
    value or weight is missing are ignored. Returns one row per group with the columns ``by`` +
    n_regions, mean (unweighted), weighted_mean, sd, cv, gini, theil, theil_between, theil_within,
    max_min_ratio (NaN when the minimum is not positive) and sd_log (NaN unless every value > 0).
    Gini, Theil and SD of logs are NaN where a value is negative; a group whose values are all 0
    has Gini and Theil NaN (there is nothing to share). ``cv``, ``sd`` and the indices use the
    weights when given (population-weighted). A group of fewer than :data:`MIN_REGIONS` regions has
    every dispersion measure NaN (undefined, not 0) and ``undefined_reason`` ``"fewer_than_2_regions"``
    (NA elsewhere).
    """
    by = list(by)
    cols = [*by, value] + ([weight] if weight else []) + ([subgroup] if subgroup else [])
    df = frame.loc[:, list(dict.fromkeys(cols))]
    y_all = df[value].to_numpy(dtype="float64", na_value=np.nan)
    w_all = df[weight].to_numpy(dtype="float64", na_value=np.nan) if weight else np.ones(len(df))
    keep = ~np.isnan(y_all) & ~np.isnan(w_all) & (w_all > 0)
    df = df.loc[keep]
    y = y_all[keep]
    w = w_all[keep]
    keys = df[by]
    gid, uniques = _group_ids(keys)
    n_groups = len(uniques)
    if subgroup:
        sub, sub_uniques = pd.factorize(df[subgroup], sort=True)
        sub = np.where(sub >= 0, sub, len(sub_uniques)).astype(np.int64)  # missing: a group of its own
    else:
        sub = np.zeros(len(df), dtype=np.int64)
    # sort once by (group, value, weight): sums become independent of the input row order (rows that
    # tie on all three add identical terms to every sum, whatever their order)
    order = _group_value_order(gid, y, w, n_groups)
    gid, y, w, sub = gid[order], y[order], w[order], sub[order]

    def gsum(a: np.ndarray) -> np.ndarray:
        return np.bincount(gid, weights=a, minlength=n_groups)

    n = np.bincount(gid, minlength=n_groups).astype("float64")
    W = gsum(w)
    WY = gsum(w * y)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        mean = gsum(y) / n
        mu = WY / W
        mu_row = mu[gid]
        var = gsum(w * (y - mu_row) ** 2) / W
        sd = np.sqrt(var)
        cv_ = np.where(mu != 0, sd / mu, np.nan)
        neg = np.bincount(gid, weights=(y < 0).astype("float64"), minlength=n_groups) > 0
        nonpos = np.bincount(gid, weights=(y <= 0).astype("float64"), minlength=n_groups) > 0
        valid = ~neg & (WY > 0)
        # Gini via the Lorenz curve (rows already sorted by value inside each group)
        p = w / W[gid]
        s = w * y / WY[gid]
        lorenz = _group_cumsum(s, gid)
        gini_ = 1.0 - gsum(p * (2.0 * lorenz - s))
        gini_ = np.where(valid, np.where(gini_ < _ZERO, 0.0, gini_), np.nan)
        # Theil T
        r = y / mu_row
        rlogr = np.where(r > 0, r * np.log(np.where(r > 0, r, 1.0)), 0.0)
        theil_ = np.where(valid, gsum(p * rlogr), np.nan)
        # decomposition over (group, subgroup)
        n_sub = int(sub.max()) + 1 if sub.size else 1
        pinv, n_pairs = _dense_ids(gid * n_sub + sub, n_groups * n_sub)
        pg = np.zeros(n_pairs, dtype=np.int64)
        pg[pinv] = gid
        Wp = np.bincount(pinv, weights=w, minlength=n_pairs)
        WYp = np.bincount(pinv, weights=w * y, minlength=n_pairs)
        mup = WYp / Wp
        rp = y / mup[pinv]
        rplog = np.where(rp > 0, rp * np.log(np.where(rp > 0, rp, 1.0)), 0.0)
        Tp = np.bincount(pinv, weights=(w / Wp[pinv]) * rplog, minlength=n_pairs)
        share = WYp / WY[pg]
        ratio = mup / mu[pg]
        between_terms = np.where(share > 0, share * np.log(np.where(ratio > 0, ratio, 1.0)), 0.0)
        between = np.where(valid, np.bincount(pg, weights=between_terms, minlength=n_groups), np.nan)
        within = np.where(valid, np.bincount(pg, weights=share * Tp, minlength=n_groups), np.nan)
        # rows are sorted by value inside each group: the first is the minimum, the last the maximum
        ymin = np.full(n_groups, np.nan)
        ymax = np.full(n_groups, np.nan)
        if y.size:
            first = np.flatnonzero(np.r_[True, gid[1:] != gid[:-1]])
            last = np.r_[first[1:] - 1, y.size - 1]
            ymin[gid[first]] = y[first]
            ymax[gid[last]] = y[last]
        max_min = np.where(ymin > 0, ymax / ymin, np.nan)
        logy = np.log(np.where(y > 0, y, 1.0))
        mlog = gsum(w * logy) / W
        sd_log = np.where(~nonpos, np.sqrt(gsum(w * (logy - mlog[gid]) ** 2) / W), np.nan)
    out = uniques.reset_index(drop=True).copy()
    out["n_regions"] = n.astype("int64")
    for name, arr in (
        ("mean", mean),
        ("weighted_mean", mu),
        ("sd", sd),
        ("cv", cv_),
        ("gini", gini_),
        ("theil", theil_),
        ("theil_between", between),
        ("theil_within", within),
        ("max_min_ratio", max_min),
        ("sd_log", sd_log),
    ):
        out[name] = np.where(n < MIN_REGIONS, np.nan, arr) if name in DISPERSION_COLUMNS else arr
    reason = pd.Series(pd.NA, index=out.index, dtype="string")
    out["undefined_reason"] = reason.mask(n < MIN_REGIONS, FEWER_THAN_2)
    return out


_PARALLEL_SORT_ROWS = 200_000  # below this a second thread costs more than it saves


def _group_value_order(gid: np.ndarray, y: np.ndarray, w: np.ndarray, n_groups: int) -> np.ndarray:
    """The order of ``np.lexsort((w, y, gid))`` (by group, then value, then weight), found without a
    three-key stable sort of every row (2-3 s on 1.6 million rows): one stable radix sort of the
    small group ids, then a two-key sort inside each group (a few thousand rows each), so the cost
    grows as n log(group size) rather than n log n. Rows that tie on all three keys keep their
    input order, exactly as lexsort does. Many tiny groups: lexsort (the loop would dominate)."""
    if y.size < 2 or n_groups < 2 or n_groups > y.size // 64 or n_groups >= 2**15:
        return np.lexsort((w, y, gid))
    order = np.argsort(gid.astype(np.int16), kind="stable")  # radix sort: linear
    bounds = np.searchsorted(gid[order], np.arange(n_groups + 1))
    ys, ws = y[order], w[order]

    def sort_groups(lo: int, hi: int) -> None:  # groups lo..hi-1, each sorted in its own slice
        for a, b in zip(bounds[lo:hi].tolist(), bounds[lo + 1 : hi + 1].tolist(), strict=True):
            if b - a > 1:
                order[a:b] = order[a:b][np.lexsort((ws[a:b], ys[a:b]))]

    if y.size < _PARALLEL_SORT_ROWS or not parallel.spare_core():
        sort_groups(0, n_groups)
        return order
    # two threads on disjoint slices (numpy's sorts release the GIL): the groups split at half the rows
    mid = int(np.searchsorted(bounds, y.size // 2))
    with ThreadPoolExecutor(max_workers=1) as pool:
        other = pool.submit(sort_groups, mid, n_groups)
        sort_groups(0, mid)
        other.result()
    return order


def _group_ids(keys: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Integer group ids (sorted by key) and the unique keys frame."""
    if keys.shape[1] == 0:
        return np.zeros(len(keys), dtype=np.int64), pd.DataFrame(index=[0])
    codes = []
    levels = []
    for col in keys.columns:
        c, u = pd.factorize(keys[col], sort=True)
        codes.append(c.astype(np.int64))
        levels.append(u)
    if len(keys) == 0:
        return np.zeros(0, dtype=np.int64), keys.iloc[:0].copy()
    dims = [max(len(u), 1) for u in levels]
    combined = np.ravel_multi_index(codes, dims)
    gid, n_groups = _dense_ids(combined, int(np.prod(dims)))
    uniq = np.zeros(n_groups, dtype=np.int64)
    uniq[gid] = combined
    idx = np.unravel_index(uniq, [max(len(u), 1) for u in levels])
    out = pd.DataFrame({col: np.asarray(u)[i] for col, u, i in zip(keys.columns, levels, idx, strict=True)})
    for col in keys.columns:
        out[col] = out[col].astype(keys[col].dtype) if keys[col].dtype != object else out[col]
    return gid.astype(np.int64), out


def _dense_ids(ids: np.ndarray, space: int) -> tuple[np.ndarray, int]:
    """Renumber ``ids`` (integers in ``[0, space)``) as 0..k-1 keeping their order; and k."""
    if space <= 50_000_000:  # a presence table: linear time
        present = np.zeros(space, dtype=bool)
        present[ids] = True
        remap = np.cumsum(present) - 1
        return remap[ids].astype(np.int64), int(present.sum())
    uniq, inv = np.unique(ids, return_inverse=True)
    return inv.astype(np.int64), len(uniq)


def _group_cumsum(a: np.ndarray, gid: np.ndarray) -> np.ndarray:
    """Cumulative sum restarting at each group (rows sorted by group)."""
    total = np.cumsum(a)
    if a.size == 0:
        return total
    starts = np.r_[True, gid[1:] != gid[:-1]]
    first = np.maximum.accumulate(np.where(starts, np.arange(a.size), 0))
    return total - (total[first] - a[first])

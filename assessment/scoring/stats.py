"""Statistics behind the scores: Wilson intervals and inequality measures (DESIGN section 4).

Every formula here is the textbook one, written so that a figure can be checked by hand:

* **Wilson score interval** for a proportion ``p = x / n`` at confidence ``c`` with
  ``z = Φ⁻¹(1 − (1 − c)/2)`` (1.95996 at 95%, 3.09023 at 99.8%)::

      (2x + z² ± z·√(z² + 4x(1 − p))) / (2(n + z²))

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

from collections.abc import Sequence
from statistics import NormalDist

import numpy as np
import pandas as pd

Numbers = Sequence[float] | np.ndarray

__all__ = [
    "cv",
    "gini",
    "inequality",
    "theil",
    "theil_decomposition",
    "wilson_interval",
    "z_value",
]


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

INEQUALITY_COLUMNS = (
    "n_regions",
    "mean",
    "weighted_mean",
    "sd",
    "cv",
    "gini",
    "theil",
    "theil_between",
    "theil_within",
    "max_min_ratio",
    "sd_log",
    "undefined_reason",
)


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
    order = np.lexsort((w, y, gid))
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

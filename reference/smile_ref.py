"""Independent numpy float64 reference for smile-inspect.

Every function here implements one definition of the analysis (see reference/README.md) directly from
the linear algebra, deliberately in the most literal way (explicit projectors, full SVD bases), so that
the Swift implementation (thin bases, complements by subtraction, LAPACK via OpenBLAS) is checked
against a computation that does not share its shortcuts.

Conventions: weights are nn.Linear out x in (m x n). Inputs are float32; everything here is float64.
Indices are 0-based. Only numpy is used.
"""

import os

# Single-threaded BLAS so that repeated runs give bit-identical results (reductions in a multi-threaded
# GEMM can be summed in a different order from run to run).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import numpy as np  # noqa: E402

ZONES3 = ("top", "mid", "tail")
ZONES4 = ("top", "middle", "low", "null")
DEFAULT_LAMBDAS = (0.3, 0.5, 0.7, 1.0)


# ----------------------------------------------------------------------------------------------------
# Small helpers
# ----------------------------------------------------------------------------------------------------

def f64(a):
    return np.asarray(a, dtype=np.float64)


def fro2(a):
    """Squared Frobenius norm (sum of squares of all entries)."""
    a = f64(a)
    return float(np.sum(a * a))


def thin_svd(a):
    return np.linalg.svd(f64(a), full_matrices=False)


def full_svd(a):
    return np.linalg.svd(f64(a), full_matrices=True)


def singular_values(a):
    return np.linalg.svd(f64(a), compute_uv=False)


# ----------------------------------------------------------------------------------------------------
# Zone rules
# ----------------------------------------------------------------------------------------------------

def zone_k(sigma, fraction=0.5, rule="sigma-sum"):
    """k = 1 + #{j : cumsum(v)_j < fraction * sum(v)}, clamped to [1, r].

    rule "sigma-sum": v = sigma; rule "energy": v = sigma**2.
    """
    sigma = f64(sigma)
    r = len(sigma)
    if rule == "sigma-sum":
        v = sigma
    elif rule == "energy":
        v = sigma * sigma
    else:
        raise ValueError(rule)
    c = np.cumsum(v)
    k = 1 + int(np.count_nonzero(c < fraction * c[-1]))
    return int(min(max(k, 1), max(r, 1)))


def zone_k_explicit(k, r):
    return int(min(max(int(k), 1), max(r, 1)))


def zone_margin(sigma, fraction, rule="sigma-sum"):
    """Smallest relative distance |cumsum_j - fraction*total| / total (guards against fixtures whose k
    would flip under rounding)."""
    sigma = f64(sigma)
    v = sigma if rule == "sigma-sum" else sigma * sigma
    c = np.cumsum(v)
    if c[-1] == 0:
        return float("inf")
    return float(np.min(np.abs(c - fraction * c[-1])) / c[-1])


# ----------------------------------------------------------------------------------------------------
# 2-D zone projectors and energy maps
# ----------------------------------------------------------------------------------------------------

def zone_projectors_3(basis_full, r, k):
    """Projectors onto top = cols [0,k), mid = [k,r), tail = I - (projector on the first r columns).

    basis_full is the full (square) orthogonal factor; the tail projector is formed as I - Q_r Q_r^T,
    as in the definition, independently of the remaining full-basis columns."""
    d = basis_full.shape[0]
    qr = basis_full[:, :r]
    top = basis_full[:, :k]
    mid = basis_full[:, k:r]
    p_top = top @ top.T
    p_mid = mid @ mid.T
    p_tail = np.eye(d) - qr @ qr.T
    return [p_top, p_mid, p_tail]


def zone_projectors_4(basis_full, r, k1, k2):
    d = basis_full.shape[0]
    qr = basis_full[:, :r]
    blocks = [basis_full[:, :k1], basis_full[:, k1:k2], basis_full[:, k2:r]]
    ps = [b @ b.T for b in blocks]
    ps.append(np.eye(d) - qr @ qr.T)
    return ps


def block_energy_map(left_projectors, right_projectors, dw):
    """E[a][b] = ||P_a dW Q_b||_F^2 / ||dW||_F^2 ; all zeros when dW == 0."""
    dw = f64(dw)
    total = fro2(dw)
    na, nb = len(left_projectors), len(right_projectors)
    e = np.zeros((na, nb))
    if total == 0.0:
        return e, True
    for a, pl in enumerate(left_projectors):
        left = pl @ dw
        for b, pr in enumerate(right_projectors):
            e[a, b] = fro2(left @ pr) / total
    return e, False


def block_energy_map_by_bases(u_full, v_full, r, cuts, dw):
    """Same map computed from basis blocks of the full SVD (||L_a^T dW R_b||^2) - a second path used only
    as a cross-check of block_energy_map."""
    dw = f64(dw)
    total = fro2(dw)
    edges = [0] + list(cuts) + [r]
    lb = [u_full[:, edges[i]:edges[i + 1]] for i in range(len(edges) - 1)] + [u_full[:, r:]]
    rb = [v_full[:, edges[i]:edges[i + 1]] for i in range(len(edges) - 1)] + [v_full[:, r:]]
    e = np.zeros((len(lb), len(rb)))
    if total == 0.0:
        return e
    for a, la in enumerate(lb):
        for b, rbb in enumerate(rb):
            e[a, b] = fro2(la.T @ dw @ rbb) / total
    return e


def zone_dims_3(d, r, k):
    return [k, r - k, d - r]


def zone_dims_4(d, r, k1, k2):
    return [k1, k2 - k1, r - k2, d - r]


def random_baseline(left_dims, right_dims, m, n):
    return np.array([[a * b / (m * n) for b in right_dims] for a in left_dims], dtype=np.float64)


def baseline_ratio(e, baseline):
    out = []
    for a in range(e.shape[0]):
        row = []
        for b in range(e.shape[1]):
            row.append(None if baseline[a, b] == 0 else float(e[a, b] / baseline[a, b]))
        out.append(row)
    return out


# ----------------------------------------------------------------------------------------------------
# Per-update spectral quantities
# ----------------------------------------------------------------------------------------------------

def energy_curve(s):
    s = f64(s)
    e = s * s
    tot = float(np.sum(e))
    if tot == 0.0:
        return np.zeros(len(s))
    return np.cumsum(e) / tot


def effective_rank(s, fraction):
    """Smallest k (1-based count) with c_k >= fraction - 1e-12; 0 for a zero update."""
    c = energy_curve(s)
    if len(c) == 0 or c[-1] == 0.0:
        return 0
    idx = np.nonzero(c >= fraction - 1e-12)[0]
    return int(idx[0] + 1)


def effective_rank_margin(s, fraction):
    c = energy_curve(s)
    if len(c) == 0 or c[-1] == 0.0:
        return float("inf")
    return float(np.min(np.abs(c - fraction)))


def intruders(w, dw, top=10, threshold=0.5):
    """Shuttleworth et al. convention: for the top t = min(top, r) left singular vectors of W + dW,
    max_j |<u_ft_i, u_pre_j>| over the r thin left singular vectors of W; intruders have max < threshold."""
    w = f64(w)
    wft = w + f64(dw)
    u_pre, s_pre, _ = thin_svd(w)
    u_ft, s_ft, _ = thin_svd(wft)
    r = min(w.shape)
    t = min(top, r)
    cos = np.abs(u_ft[:, :t].T @ u_pre)  # t x r
    maxcos = cos.max(axis=1)
    idx = [int(i) for i in range(t) if maxcos[i] < threshold]
    return maxcos, idx, (u_pre, s_pre, u_ft, s_ft, t)


def clusters(sigma, rel_tol=1e-8):
    """Groups of (numerically) equal singular values, as lists of indices (only groups of size >= 2)."""
    sigma = f64(sigma)
    scale = max(float(sigma[0]) if len(sigma) else 0.0, 1e-300)
    groups, cur = [], [0]
    for j in range(1, len(sigma)):
        if abs(sigma[j - 1] - sigma[j]) <= rel_tol * scale:
            cur.append(j)
        else:
            groups.append(cur)
            cur = [j]
    groups.append(cur)
    return [g for g in groups if len(g) >= 2]


def intruders_well_defined(w, dw, top=10):
    """True when every reported max-cos is independent of the basis chosen inside degenerate singular
    value clusters of W (and the top-t singular values of W + dW are distinct)."""
    _, _, (u_pre, s_pre, u_ft, s_ft, t) = intruders(w, dw, top)
    if clusters(s_ft[: t + 1]):
        return False
    cl = clusters(s_pre)
    in_cluster = set(j for g in cl for j in g)
    free = [j for j in range(len(s_pre)) if j not in in_cluster]
    for i in range(t):
        u = u_ft[:, i]
        m_free = float(np.max(np.abs(u @ u_pre[:, free]))) if free else 0.0
        for g in cl:
            # any unit vector of span(g) has |cos| <= norm of the projection of u on span(g)
            if float(np.linalg.norm(u @ u_pre[:, g])) > m_free - 1e-9:
                return False
    return True


# ----------------------------------------------------------------------------------------------------
# Cross-task quantities
# ----------------------------------------------------------------------------------------------------

def cosine(a, b):
    na, nb = np.sqrt(fro2(a)), np.sqrt(fro2(b))
    if na == 0.0 or nb == 0.0:
        return None
    return float(np.sum(f64(a) * f64(b)) / (na * nb))


def interference(deltas, lambdas=DEFAULT_LAMBDAS, fraction=0.9):
    """I[i][j] = ||dW_j P_i||^2 / ||dW_i P_i||^2 with P_i the projector on the first r_i right singular
    vectors of dW_i (r_i = effective rank at `fraction`), plus task-arithmetic residual coefficients."""
    deltas = [f64(d) for d in deltas]
    t = len(deltas)
    s_sum = np.sum(deltas, axis=0)
    ranks, projs = [], []
    for d in deltas:
        _, s, vt = thin_svd(d)
        ri = effective_rank(s, fraction)
        vi = vt[:ri].T
        ranks.append(ri)
        projs.append(vi @ vi.T)
    c = np.array([fro2(deltas[i] @ projs[i]) for i in range(t)])
    mat = [[float(fro2(deltas[j] @ projs[i]) / c[i]) for j in range(t)] for i in range(t)]
    a = np.array([fro2(s_sum @ projs[i]) for i in range(t)])
    b = np.array([float(np.sum((s_sum @ projs[i]) * (deltas[i] @ projs[i]))) for i in range(t)])
    lam_star = float(np.sum(b / c) / np.sum(a / c))

    def residuals(lam):
        direct = np.array([fro2((lam * s_sum - deltas[i]) @ projs[i]) / c[i] for i in range(t)])
        closed = (lam * lam * a - 2.0 * lam * b + c) / c
        assert np.allclose(direct, closed, rtol=1e-9, atol=1e-12), (direct, closed)
        return direct

    return {
        "ranks": ranks,
        "matrix": mat,
        "a": a,
        "b": b,
        "c": c,
        "lambda_star": lam_star,
        "residuals_at_lambda_star": residuals(lam_star),
        "residuals_by_lambda": {repr(float(l)): residuals(l) for l in lambdas},
    }


def principal_angles(deltas, ranks):
    """For each pair i < j: cosines = singular values of V_i^T V_j (and U_i^T U_j), descending, with
    V_i the first r_i right singular vectors of dW_i."""
    bases = []
    for d, ri in zip(deltas, ranks):
        u, _, vt = thin_svd(d)
        bases.append((u[:, :ri], vt[:ri].T))
    right, left = {}, {}
    for i in range(len(deltas)):
        for j in range(i + 1, len(deltas)):
            for side, store in ((1, right), (0, left)):
                x, y = bases[i][side], bases[j][side]
                if x.shape[1] == 0 or y.shape[1] == 0:
                    cs = np.zeros(0)
                else:
                    cs = np.sort(np.linalg.svd(x.T @ y, compute_uv=False))[::-1]
                deg = np.degrees(np.arccos(np.clip(cs, -1.0, 1.0)))
                store[f"{i},{j}"] = {"cosines": [float(v) for v in cs], "degrees": [float(v) for v in deg]}
    return right, left


def sti(deltas, ranks):
    """TSV singular task interference: sum |(U^T U - I) Sigma (V^T V - I)| (entrywise L1), with U, V the
    column-concatenated truncated singular vectors and Sigma the block-diagonal truncated values."""
    us, vs, ss = [], [], []
    for d, ri in zip(deltas, ranks):
        u, s, vt = thin_svd(d)
        us.append(u[:, :ri])
        vs.append(vt[:ri].T)
        ss.append(s[:ri])
    u = np.concatenate(us, axis=1)
    v = np.concatenate(vs, axis=1)
    sig = np.diag(np.concatenate(ss))
    q = u.shape[1]
    m = (u.T @ u - np.eye(q)) @ sig @ (v.T @ v - np.eye(q))
    return float(np.sum(np.abs(m)))


# ----------------------------------------------------------------------------------------------------
# N-D (conv) tensors: HOSVD-style per-mode zones
# ----------------------------------------------------------------------------------------------------

def unfold(x, n):
    x = f64(x)
    return np.moveaxis(x, n, 0).reshape(x.shape[n], -1)


def mode_product(x, mat, n):
    """x x_n mat: multiply mode n of x by mat (mat is d_n' x d_n)."""
    return np.moveaxis(np.tensordot(f64(mat), f64(x), axes=(1, n)), 0, n)


def mode_zones(w, n, fraction=0.5):
    wn = unfold(w, n)
    u_full, s, _ = full_svd(wn)
    r = min(wn.shape)
    k = zone_k(s, fraction)
    return {"u_full": u_full, "sigma": s, "r": r, "k": k, "dim": wn.shape[0]}


def mode_band_energy(mz, dw, n):
    """[top, mid, tail] share of ||dW||^2 along mode n; top/mid via ||U_B^T dW_(n)||^2 and tail via the
    full-basis complement projector; the three must sum to 1."""
    dwn = unfold(dw, n)
    total = fro2(dwn)
    if total == 0.0:
        return [0.0, 0.0, 0.0]
    u, r, k = mz["u_full"], mz["r"], mz["k"]
    top = fro2(u[:, :k].T @ dwn) / total
    mid = fro2(u[:, k:r].T @ dwn) / total
    p_tail = np.eye(mz["dim"]) - u[:, :r] @ u[:, :r].T
    tail = fro2(p_tail @ dwn) / total
    assert abs(top + mid + tail - 1.0) < 1e-10, (top, mid, tail)
    return [top, mid, tail]


def channel_energy_map(mz0, mz1, dw):
    """E[a][b] = ||dW x_0 P_a x_1 Q_b||^2 / ||dW||^2 with P (mode-0, out channels) and Q (mode-1, in
    channels) zone projectors; spatial modes are kept whole."""
    total = fro2(dw)
    if total == 0.0:
        return np.zeros((3, 3)), True
    ps = zone_projectors_3(mz0["u_full"], mz0["r"], mz0["k"])
    qs = zone_projectors_3(mz1["u_full"], mz1["r"], mz1["k"])
    e = np.zeros((3, 3))
    for a, p in enumerate(ps):
        x = mode_product(dw, p, 0)
        for b, q in enumerate(qs):
            e[a, b] = fro2(mode_product(x, q, 1)) / total
    return e, False

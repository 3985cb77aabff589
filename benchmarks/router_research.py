"""Fast research loop for SMILE routers on the realtasks family (issue #21): which zero-shot router sends real
tokens to their own task's expert?

Captures, once, the real inputs x of every upscaled linear layer on each task's first --limit test sentences
(base model, padding excluded, at most --tokens tokens per task and layer; cached in --cache). These inputs are
for MEASUREMENT only: every router below is built from the weights alone. For each router construction it
prints, per layer kind, the share of tokens whose top-1 expert (logit_i = ||G_i x||_2, as evaluate.py) is their
own task's, in seconds. `--score DIR` also scores end to end with evaluate.py's SmileLinear: DIR's tensors
(a `smile-inspect upscale` output) with each candidate's gate swapped in (--configs: top_k, gate scale = softmax
temperature, expert scale). `--force REGEX=own|shared` routes matching layers by oracle (each task's tokens to
its own expert) or to the shared path alone while scoring: what perfect routing would be worth, layer by layer.
`--ceilings` fits routers on the real inputs themselves (upper references, not zero-shot).

  router_research.py --family full [--limit 200] [--plan DIR] [--gate-k plan|G] [--only today,disc] [--ceilings]
      [--score DIR [--configs today:1:1,today:3:2] [--force 'layer\.[01]\.=own']]

The gate rank of each layer is the plan's (DIR/smile_config.json) unless --gate-k G. Inputs are cached in
/tmp/router-research-x-LIMIT-TOKENS.pt (about 1 GB for the defaults).

Run with /tmp/realtasks-venv/bin/python. Not part of the tool: a measurement script (benchmarks/).
"""
import argparse, contextlib, io, json, os, re, sys, time
sys.path.insert(0, os.environ.get("REALTASKS_DIR", "/work/shared/realtasks"))
import torch, torch.nn as nn
import evaluate as ev
from finetune import TASKS, load_task

torch.set_num_threads(1)


def capture(family, limit, tokens, cache):
    """{layer: {task: X (tokens x in)}} of the base model's real inputs (float32)."""
    if os.path.exists(cache):
        return torch.load(cache)
    base = ev.base_state()
    enc = ev.make_encoder(base)
    lins = {n: m for n, m in enc.named_modules() if isinstance(m, nn.Linear) and n.startswith("encoder.")}
    out = {n: {} for n in lins}
    g = torch.Generator().manual_seed(0)
    for t in TASKS:
        test = load_task(t)["test"][:limit]
        got = {n: [] for n in lins}
        hooks = []
        mask = [None]
        for n, m in lins.items():
            hooks.append(m.register_forward_hook(lambda mod, inp, o, n=n: got[n].append(inp[0][mask[0].bool()].detach())))
        with torch.no_grad():
            for i in range(0, len(test), 64):
                x = ev.tok()([s for s, _ in test[i:i + 64]], padding=True, truncation=True, max_length=48, return_tensors="pt")
                mask[0] = x["attention_mask"]
                enc(**x)
        for h in hooks:
            h.remove()
        for n in lins:
            X = torch.cat(got[n])
            if X.shape[0] > tokens:
                X = X[torch.randperm(X.shape[0], generator=g)[:tokens]]
            out[n][t] = X
    torch.save(out, cache)
    return out


def weights(family):
    """{layer: (W_pre, b_pre, [dW_i], [db_i])} in task order."""
    base = ev.base_state()
    deltas = [ev.task_delta(ev.model_dir(ev.FAMILY, family, t), base) for t in TASKS]
    out = {}
    for k in base:
        if k.startswith("encoder.") and k.endswith(".weight") and base[k].dim() == 2:
            X = k[:-len(".weight")]
            dW = [d.get(k, torch.zeros_like(base[k])).double() for d in deltas]
            db = [d.get(X + ".bias", torch.zeros_like(base[X + ".bias"])).double() for d in deltas]
            out[X] = (base[k].double(), base[X + ".bias"].double(), dW, db)
    return out, base


def routed_own(G, E, Xs):
    """Share of each task's tokens whose top-1 expert under gate G (E*g x in) is its own."""
    res = []
    for i, t in enumerate(TASKS):
        X = Xs[t].double()
        gk = G.shape[0] // E
        logits = (X @ G.T).view(X.shape[0], E, gk).norm(dim=-1)
        res.append((logits.argmax(-1) == i).double().mean().item())
    return res


# ------------------------------------------------------------------ router constructions (weights only)
def r_today(ctx, g):
    """G_i = top g right singular vectors of dW_i (the shipped construction)."""
    return torch.cat([ctx["svd"][i][2][:g] for i in range(ctx["E"])])


def r_sigma(ctx, g):
    """G_i = S_i V_i^T / ||dW_i||_F: logit ~ ||dW_i x|| / ||dW_i|| (top g)."""
    out = []
    for U, S, Vh in ctx["svd"]:
        out.append((S[:g, None] * Vh[:g]) / S.norm())
    return torch.cat(out)


def r_sigma_raw(ctx, g):
    """G_i = S_i V_i^T (top g): logit = ||dW_i,g x||, scaled so the mean of top sigma is 1."""
    scale = torch.stack([s[0] for _, s, _ in ctx["svd"]]).mean()
    return torch.cat([(S[:g, None] * Vh[:g]) / scale for U, S, Vh in ctx["svd"]])


def discriminative(ctx, g, normalise=True, weight=1.0):
    """Top g eigenvectors of C_i - weight * mean_{j!=i} C_j, C_i = dW_i^T dW_i / ||dW_i||^2."""
    E = ctx["E"]
    C = [(d.T @ d) / (d.norm() ** 2 if normalise else 1) for d in ctx["dW"]]
    out = []
    for i in range(E):
        M = C[i] - weight * sum(C[j] for j in range(E) if j != i) / (E - 1)
        w, V = torch.linalg.eigh(M)
        out.append(V[:, -g:].flip(1).T)
    return torch.cat(out)


def r_disc(ctx, g):
    return discriminative(ctx, g)


def generalized(ctx, g, eps):
    """Top g generalized eigenvectors of C_i v = l (mean_{j!=i} C_j + eps tr/n I) v (C_i = dW_i^T dW_i / ||dW_i||^2),
    scaled so each row has unit norm: directions where task i's update reads most relative to the others'."""
    E = ctx["E"]
    C = [(d.T @ d) / (d.norm() ** 2) for d in ctx["dW"]]
    out = []
    for i in range(E):
        O = sum(C[j] for j in range(E) if j != i) / (E - 1)
        n = O.shape[0]
        O = O + eps * torch.eye(n, dtype=O.dtype) * O.trace() / n
        Li = torch.linalg.inv(torch.linalg.cholesky(O))
        w, V = torch.linalg.eigh(Li @ C[i] @ Li.T)
        R = (Li.T @ V[:, -g:]).T.flip(0)
        out.append(R / R.norm(dim=1, keepdim=True))
    return torch.cat(out)


def r_gen1(ctx, g):
    return generalized(ctx, g, 1.0)


def r_gen01(ctx, g):
    return generalized(ctx, g, 0.1)


def r_gen001(ctx, g):
    return generalized(ctx, g, 0.01)


def r_disc_w(ctx, g):
    """Discriminative, rows weighted by sqrt of positive eigenvalue (relative to expert's max)."""
    E = ctx["E"]
    C = [(d.T @ d) / (d.norm() ** 2) for d in ctx["dW"]]
    out = []
    for i in range(E):
        M = C[i] - sum(C[j] for j in range(E) if j != i) / (E - 1)
        w, V = torch.linalg.eigh(M)
        w, V = w[-g:].flip(0), V[:, -g:].flip(1)
        out.append(w.clamp(min=0).sqrt()[:, None] * V.T / w[0].sqrt())
    return torch.cat(out)


def project_out(G, P):
    """G (I - P P^T) for orthonormal columns P."""
    return G - (G @ P) @ P.T


def r_today_nobeta(ctx, g):
    """Today's router with the LayerNorm bias direction feeding the layer projected out."""
    G = r_today(ctx, g)
    beta = ctx.get("beta")
    if beta is None:
        return G
    b = beta / beta.norm()
    return project_out(G, b[:, None])


def r_today_nozone1(ctx, g, r=8):
    """Today's router with W_pre's top-r input singular directions projected out."""
    G = r_today(ctx, g)
    return project_out(G, ctx["Vpre"][:r].T)


def r_today_nocommon(ctx, g, r=None):
    """Today's router with the common subspace (top g/4 directions of sum_j C_j) projected out."""
    G = r_today(ctx, g)
    C = sum((d.T @ d) / d.norm() ** 2 for d in ctx["dW"])
    w, V = torch.linalg.eigh(C)
    r = r or max(1, g // 4)
    return project_out(G, V[:, -r:])


def r_qkv(ctx, g, weighted=False):
    """q, k, v read the same x: G_i = top g right singular vectors of [dW_q,i/||.||; dW_k,i/||.||; dW_v,i/||.||]
    (weighted: rows scaled by singular value / the top one)."""
    sib = ctx.get("siblings")
    if not sib:
        return r_today(ctx, g)
    out = []
    for i in range(ctx["E"]):
        S = torch.cat([s[i] / s[i].norm() for s in sib])
        _, sv, Vh = torch.linalg.svd(S, full_matrices=False)
        out.append(Vh[:g] * (sv[:g] / sv[0])[:, None] if weighted else Vh[:g])
    return torch.cat(out)


def whitened(ctx, g, eps):
    """G_i = top g right singular vectors of dW_i P, mapped back: rows v^T P, P = (C + eps tr/n I)^(-1/2),
    C = W_pre^T W_pre (the base's input scale model); rows scaled to unit norm."""
    Wp = ctx["Wpre"]
    C = Wp.T @ Wp
    n = C.shape[0]
    w, V = torch.linalg.eigh(C + eps * torch.eye(n, dtype=C.dtype) * C.trace() / n)
    P = V @ torch.diag(w.rsqrt()) @ V.T
    out = []
    for d in ctx["dW"]:
        R = torch.linalg.svd(d @ P, full_matrices=False)[2][:g] @ P
        out.append(R / R.norm(dim=1, keepdim=True))
    return torch.cat(out)


def vocabulary_moments(base, family):
    """Per task, M_t = sum_tok w_t(tok) h_tok h_tok^T / sum w_t with h_tok = LN(word + mean position + type 0
    embedding) of the base and w_t(tok) = ||row tok of the fine-tune's word-embedding update|| (full fine-tunes:
    only tokens seen in training move, with weight decay 0): each task's vocabulary, from its weights. None
    when no fine-tune updates the embeddings (LoRA)."""
    deltas = [ev.task_delta(ev.model_dir(ev.FAMILY, family, t), base) for t in TASKS]
    key = "embeddings.word_embeddings.weight"
    if not all(key in d for d in deltas):
        return None
    emb = base[key].double() + base["embeddings.position_embeddings.weight"].double()[:32].mean(0) \
        + base["embeddings.token_type_embeddings.weight"].double()[0]
    h = nn.functional.layer_norm(emb, (emb.shape[1],), base["embeddings.LayerNorm.weight"].double(),
                                 base["embeddings.LayerNorm.bias"].double())
    out = []
    for d in deltas:
        w = d[key].double().norm(dim=1)
        out.append((h * w[:, None]).T @ h / w.sum())
    return out


def r_vocab(ctx, g):
    """Discriminative eigvecs of the tasks' vocabulary moments (layers reading the residual stream width)."""
    M = ctx.get("vocab")
    if M is None or M[0].shape[0] != ctx["dW"][0].shape[1]:
        return r_today(ctx, g)
    E = ctx["E"]
    return torch.cat([torch.linalg.eigh(M[i] - sum(M[j] for j in range(E) if j != i) / (E - 1))[1][:, -g:].T for i in range(E)])


CANDIDATES = {"vocab": r_vocab, "white1": lambda c, g: whitened(c, g, 1.0), "white01": lambda c, g: whitened(c, g, 0.1), "qkv": r_qkv, "qkv_sigma": lambda c, g: r_qkv(c, g, weighted=True),
    "today": r_today, "sigma": r_sigma, "sigma_raw": r_sigma_raw, "disc": r_disc, "disc_w": r_disc_w, "gen1": r_gen1, "gen01": r_gen01, "gen001": r_gen001,
    "today-beta": r_today_nobeta, "today-zone1": r_today_nozone1, "today-common": r_today_nocommon,
}


def layer_beta(X, base):
    """The constant offset in every input of layer X known from the weights: the LayerNorm bias feeding
    q/k/v and intermediate.dense, the value bias feeding attention.output.dense; None for output.dense."""
    parts = X.split(".")
    L = ".".join(parts[:3])
    if X.endswith(("attention.self.query", "attention.self.key", "attention.self.value")):
        i = int(parts[2])
        return base[f"encoder.layer.{i - 1}.output.LayerNorm.bias"].double() if i > 0 else base["embeddings.LayerNorm.bias"].double()
    if X.endswith("intermediate.dense"):
        return base[f"{L}.attention.output.LayerNorm.bias"].double()
    if X.endswith("attention.output.dense"):
        return base[f"{L}.attention.self.value.bias"].double()     # attention weights sum to 1: b_v in every token
    return None


FORCED = {"rules": [], "task": 0}
_routed_forward = ev.SmileLinear.forward
_routed_init = ev.SmileLinear.__init__


def _init(self, sd, X, n_experts, top_k):
    _routed_init(self, sd, X, n_experts, top_k)
    self.name = X


def _forward(self, x):
    """evaluate.py's forward, except in layers matched by --force: `own` sends every token to the expert of
    the task being scored (oracle routing), `shared` to no expert (the shared path alone)."""
    mode = next((m for rx, m in FORCED["rules"] if re.search(rx, self.name)), None)
    if mode is None:
        return _routed_forward(self, x)
    y = nn.functional.linear(x, self.W, self.b)
    if mode == "shared":
        return y
    i = FORCED["task"]
    e = nn.functional.linear(nn.functional.linear(x, self.svh[i]), self.u[i])
    return y + (e + self.db[i] if self.db[i] is not None else e)


ev.SmileLinear.__init__, ev.SmileLinear.forward = _init, _forward
_score = ev.score


def _score_tracking_task(enc, tasks, fam_dir, family, limit, base, label, extra=None, before=None):
    def hook(t):
        FORCED["task"] = TASKS.index(t)
        if before:
            before(t)
    return _score(enc, tasks, fam_dir, family, limit, base, label, extra=extra, before=hook)


ev.score = _score_tracking_task


def ceilings(Xs, layers, gk):
    """Per layer, what a router FITTED ON REAL INPUTS could reach (first half of the captured tokens fits,
    second half tests), so the weights-only candidates can be judged against it:
    gen = norm router ||G_i x|| with G_i the top gate_k generalized eigenvectors of M_i v = l (mean_{j!=i} M_j
    + 1e-3 tr/n I) v, M_t = E[x x^T] of task t's real inputs; linear = multinomial logistic regression on
    standardised x (not a norm router; an upper reference for what x carries about its task)."""
    E = len(TASKS)
    out = {}
    for X in layers:
        half = {t: Xs[X][t].shape[0] // 2 for t in TASKS}
        fit = {t: Xs[X][t][:half[t]].double() for t in TASKS}
        test = {t: Xs[X][t][half[t]:].double() for t in TASKS}
        M = {t: fit[t].T @ fit[t] / fit[t].shape[0] for t in TASKS}
        G = []
        for t in TASKS:
            O = sum(M[u] for u in TASKS if u != t) / (E - 1)
            n = O.shape[0]
            Li = torch.linalg.inv(torch.linalg.cholesky(O + 1e-3 * torch.eye(n, dtype=O.dtype) * O.trace() / n))
            V = torch.linalg.eigh(Li @ M[t] @ Li.T)[1]
            G.append((Li.T @ V[:, -gk[X]:]).T)
        gen = routed_own(torch.cat(G), E, test)
        Xf = torch.cat([fit[t] for t in TASKS]).float()
        yf = torch.cat([torch.full((fit[t].shape[0],), i) for i, t in enumerate(TASKS)])
        mu, sd = Xf.mean(0), Xf.std(0) + 1e-6
        Wl = torch.zeros(Xf.shape[1], E, requires_grad=True)
        bl = torch.zeros(E, requires_grad=True)
        opt = torch.optim.LBFGS([Wl, bl], max_iter=200)
        def closure():
            opt.zero_grad()
            loss = nn.functional.cross_entropy(((Xf - mu) / sd) @ Wl + bl, yf) + 1e-3 * (Wl ** 2).sum()
            loss.backward()
            return loss
        opt.step(closure)
        with torch.no_grad():
            lin = [((((test[t].float() - mu) / sd) @ Wl + bl).argmax(1) == i).double().mean().item() for i, t in enumerate(TASKS)]
        out[X] = {"gen": sum(gen) / E, "linear": sum(lin) / E}
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--family", default="full")
    ap.add_argument("--limit", type=int, default=200, help="first N test sentences per task; 0: all")
    ap.add_argument("--tokens", type=int, default=2000)
    ap.add_argument("--gate-k", default="plan", help="'plan' (gate_k of --plan's smile_config.json) or an int")
    ap.add_argument("--plan", default="/tmp/realtasks-smile-out/D-new-budget0.5")
    ap.add_argument("--only", default=None)
    ap.add_argument("--score", default=None, help="a smile-inspect upscale output to swap gates into and score")
    ap.add_argument("--force", default="", help="REGEX=own|shared;... layers routed by oracle / not at all while scoring")
    ap.add_argument("--ceilings", action="store_true", help="also fit routers on the real inputs (upper references)")
    ap.add_argument("--configs", default=None, help="NAME:TOPK:SCALE[:EXPERT_SCALE],... scored (default: every candidate, top_k 1, scale 1)")
    a = ap.parse_args()
    a.limit = a.limit or None
    FORCED["rules"] = [tuple(r.split("=")) for r in a.force.split(";") if r]
    t0 = time.time()
    Xs = capture(a.family, a.limit, a.tokens, f"/tmp/router-research-x-{a.limit or 'all'}-{a.tokens}.pt")
    W, base = weights(a.family)
    cfg = json.load(open(os.path.join(a.plan, "smile_config.json")))
    gk = {m["module"]: m["gate_k"] for m in cfg["modules"]}
    layers = [X for X in W if X in gk]
    vocab = vocabulary_moments(base, a.family) if a.only is None or "vocab" in a.only.split(",") else None
    print(f"captured + weights {time.time() - t0:.0f}s; {len(layers)} layers", flush=True)
    E = len(TASKS)
    names = a.only.split(",") if a.only else list(CANDIDATES)
    gates = {n: {} for n in names}
    table = {n: {} for n in names}
    for X in layers:
        Wp, bp, dW, db = W[X]
        g = gk[X] if a.gate_k == "plan" else int(a.gate_k)
        ctx = {"E": E, "dW": dW, "svd": [torch.linalg.svd(d, full_matrices=False) for d in dW], "beta": layer_beta(X, base),
               "Vpre": torch.linalg.svd(Wp, full_matrices=False)[2], "Wpre": Wp, "vocab": vocab}
        if X.endswith(("self.query", "self.key", "self.value")):
            P = X.rsplit(".", 1)[0]
            ctx["siblings"] = [W[f"{P}.{s}"][2] for s in ("query", "key", "value")]
        for n in names:
            G = CANDIDATES[n](ctx, g)
            gates[n][X] = G.float()
            table[n][X] = routed_own(G, E, Xs[X])
    kinds = ["query", "key", "value", "attention.output", "intermediate", "output.dense"]
    def kind(X):
        for k in kinds:
            if k in X and not (k == "output.dense" and "attention" in X):
                return k
    print(f"{'router':16}" + "".join(f"{k[:10]:>11}" for k in kinds) + f"{'mean':>8}  per task")
    for n in names:
        by = {k: [sum(v) / E for X, v in table[n].items() if kind(X) == k] for k in kinds}
        per = [sum(v[i] for v in table[n].values()) / len(layers) for i in range(E)]
        print(f"{n:16}" + "".join(f"{sum(v) / len(v):11.3f}" for v in by.values())
              + f"{sum(per) / E:8.3f}  " + " ".join(f"{p:.3f}" for p in per), flush=True)
    if a.ceilings:
        c = ceilings(Xs, layers, gk if a.gate_k == "plan" else {X: int(a.gate_k) for X in layers})
        for m in ("gen", "linear"):
            by = {k: [v[m] for X, v in c.items() if kind(X) == k] for k in kinds}
            print(f"{'fit:' + m:16}" + "".join(f"{sum(v) / len(v):11.3f}" for v in by.values())
                  + f"{sum(v[m] for v in c.values()) / len(c):8.3f}  (fitted on real inputs)", flush=True)
    if a.score:
        sd0 = ev.read_checkpoint(a.score)
        configs = [c.split(":") for c in a.configs.split(",")] if a.configs else [(n, "1", "1") for n in names]
        for n, topk, scale, *rest in configs:
            expert_scale = float(rest[0]) if rest else 1.0
            t1 = time.time()
            sd = dict(sd0)
            for X, G in gates[n].items():
                sd[X + ".gate.weights"] = G * float(scale)
                for i in range(E):
                    sd[f"{X}.experts.{i}.u"] = sd0[f"{X}.experts.{i}.u"] * expert_scale
            orig = ev.read_checkpoint
            ev.read_checkpoint = lambda p, sd=sd: sd
            args = argparse.Namespace(dir=a.score, tasks=None, top_k=int(topk), family=a.family, family_dir=ev.FAMILY, limit=a.limit)
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                r = ev.run_smile(args)
            ev.read_checkpoint = orig
            t = r["tasks"]
            print(f"SCORE {n}:{topk}:{scale}:{expert_scale} acc " + " ".join(f"{t[k]['normalized']:.3f}" for k in TASKS) + f" mean {r['mean_normalized']:.3f}"
                  f" | routed " + " ".join(f"{t[k]['routed_to_own_expert']:.3f}" for k in TASKS) + f" mean {r['mean_routed_to_own_expert']:.3f} ({time.time() - t1:.0f}s)"
                  + (f" forced {a.force}" if a.force else ""),
                  flush=True)
    print(f"({time.time() - t0:.0f}s)")


if __name__ == "__main__":
    main()

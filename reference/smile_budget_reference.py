#!/usr/bin/env python3
"""Independent numpy float64 reference for `upscale --budget` (RankBudgetPlan / RankAllocator).

For random layers (shape m x n, E experts, singular values per expert, router rank g, bias or not) it
computes the per-layer expert ranks the budget buys, written without the Swift code's shortcuts:

* value of rank k in a layer = sum_i sum_{j<k} s_ij^2 / ||dW_i||^2  (per-expert energy shares);
* cost = E*g*n (router) + E*m (expert biases, with a bias) + k*E*(m+n);
* greedy with a binary heap: all layers start at the floor, then repeatedly pop the step with the
  largest gain per parameter (ties: lower layer, then lower step); stop at the first step that does
  not fit;
* the uniform-k comparison: the largest k (clamped per layer to its update rank) whose cost fits.

`--budget-on` (the "allocations" cases): each layer also carries a second spectrum per expert, the
task's own update dW_i (update_sigmas), next to the residual's (sigmas). "updates" allocates on the update
spectra, "uniform" takes one k clamped per layer to floor..min(cap, residual rank); both report the mean
energy share kept of the residuals and of the updates at the chosen ranks.

Writes Tests/AnalysisTests/Fixtures/upscale/budget_allocation_reference.json.
"""
import heapq
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Tests", "AnalysisTests", "Fixtures", "upscale", "budget_allocation_reference.json")


def shares_gain(sigmas, limit):
    gains = np.zeros(limit)
    for s in sigmas:
        total = float(np.sum(s ** 2))
        if total > 0:
            n = min(limit, len(s))
            gains[:n] += s[:n] ** 2 / total
    return gains


def numerical_rank(s, m, n):
    if len(s) == 0 or s[0] <= 0:
        return 0
    tol = s[0] * max(m, n) * np.finfo(np.float32).eps
    return int(np.sum(s > tol))


def layer_costs(L, tied):
    """(fixed, per-rank step) of one layer; tied (--gate-k k): the router grows with k, E*n per rank."""
    E, m, n = len(L["sigmas"]), L["m"], L["n"]
    biases = E * m if L["bias"] else 0
    if tied:
        return biases, E * (m + 2 * n)
    return E * min(L["g"], min(m, n)) * n + biases, E * (m + n)


def allocate(layers, budget_params, floor, cap, tied=False):
    units = []
    for L in layers:
        E, m, n = len(L["sigmas"]), L["m"], L["n"]
        max_rank = max(numerical_rank(np.array(s), m, n) for s in L["sigmas"])
        limit = max(1, min(cap if cap else 10 ** 9, max_rank))
        fixed, step = layer_costs(L, tied)
        units.append(dict(step=step, fixed=fixed, floor=min(floor, limit), gains=shares_gain([np.array(s) for s in L["sigmas"]], limit)))
    spent = sum(u["fixed"] + u["floor"] * u["step"] for u in units)
    if spent > budget_params:
        return None
    ranks = [u["floor"] for u in units]
    heap = []
    for i, u in enumerate(units):
        if ranks[i] < len(u["gains"]):
            heapq.heappush(heap, (-u["gains"][ranks[i]] / u["step"], i, ranks[i]))
    while heap:
        _, i, j = heapq.heappop(heap)
        u = units[i]
        if spent + u["step"] > budget_params:
            break
        spent += u["step"]
        ranks[i] += 1
        if ranks[i] < len(u["gains"]):
            heapq.heappush(heap, (-u["gains"][ranks[i]] / u["step"], i, ranks[i]))
    value = sum(float(np.sum(u["gains"][:k])) for u, k in zip(units, ranks))
    return ranks, spent, value


def mean_share(layers, ranks):
    shares = []
    for L, k in zip(layers, ranks):
        for s in L["sigmas"]:
            s = np.array(s)
            total = float(np.sum(s ** 2))
            shares.append(float(np.sum(s[:k] ** 2)) / total if total > 0 else 1.0)
    return float(np.mean(shares))


def uniform_at_budget(layers, budget_params, tied=False):
    best = None
    largest = max(max(numerical_rank(np.array(s), L["m"], L["n"]) for s in L["sigmas"]) for L in layers)
    for k in range(1, largest + 1):
        ranks, cost = [], 0
        for L in layers:
            E, m, n = len(L["sigmas"]), L["m"], L["n"]
            kr = max(1, min(k, max(numerical_rank(np.array(s), m, n) for s in L["sigmas"])))
            ranks.append(kr)
            fixed, step = layer_costs(L, tied)
            cost += fixed + kr * step
        if cost <= budget_params:
            best = dict(k=k, cost=cost, energy_kept=mean_share(layers, ranks))
    return best


def uniform_clamped(layers, budget_params, floor, cap, tied=False):
    """--budget-on uniform: the largest k >= floor whose ranks min(max(k, floor), limit) fit; None if none."""
    limits = []
    for L in layers:
        max_rank = max(numerical_rank(np.array(s), L["m"], L["n"]) for s in L["sigmas"])
        limits.append(max(1, min(cap if cap else 10 ** 9, max_rank)))
    best = None
    for k in range(floor, max(limits) + 1):
        ranks = [min(max(k, floor), lim) for lim in limits]
        cost = sum(layer_costs(L, tied)[0] + kr * layer_costs(L, tied)[1] for L, kr in zip(layers, ranks))
        if cost <= budget_params:
            best = (ranks, cost)
    if best is None:
        ranks = [min(floor, lim) for lim in limits]
        if sum(layer_costs(L, tied)[0] + kr * layer_costs(L, tied)[1] for L, kr in zip(layers, ranks)) <= budget_params:
            best = (ranks, sum(layer_costs(L, tied)[0] + kr * layer_costs(L, tied)[1] for L, kr in zip(layers, ranks)))
    return best


def with_updates(layers, rng):
    """The same layers with an update spectrum per expert beside the residual's: full rank min(m, n),
    decaying at its own rate (a residual is flatter than the update it comes from)."""
    out = []
    for L in layers:
        r = min(L["m"], L["n"])
        ups = []
        for _ in L["sigmas"]:
            s = 10 ** rng.uniform(-2, 1) * np.exp(-rng.uniform(0.2, 2.0) * np.arange(r)) * rng.uniform(0.8, 1.0, r)
            ups.append([float(f"{x:.6g}") for x in np.sort(s)[::-1]])
        out.append(dict(L, update_sigmas=ups, update_max_rank=max(numerical_rank(np.array(s), L["m"], L["n"]) for s in ups)))
    return out


def updates_view(layers):
    return [dict(L, sigmas=L["update_sigmas"]) for L in layers]


def make_layers(rng, count, experts):
    layers = []
    for _ in range(count):
        m, n = int(rng.integers(16, 64)), int(rng.integers(16, 64))
        r = min(m, n)
        sigmas = []
        for _ in range(experts):
            decay = rng.uniform(0.05, 1.5)
            scale = 10 ** rng.uniform(-3, 1)
            s = scale * np.exp(-decay * np.arange(r)) * rng.uniform(0.8, 1.0, r)
            s = np.sort(s)[::-1]
            q = int(rng.integers(1, r + 1))
            s[q:] = 0.0
            sigmas.append([float(f"{x:.6g}") for x in s])
        max_rank = max(numerical_rank(np.array(s), m, n) for s in sigmas)
        layers.append(dict(module=f"layer.{len(layers)}", m=m, n=n, g=int(rng.integers(1, 4)), bias=bool(rng.integers(0, 2)), sigmas=sigmas, max_rank=max_rank))
    return layers


def main():
    rng = np.random.default_rng(20240810)
    cases, families = [], []
    for c in range(6):
        layers = make_layers(rng, int(rng.integers(2, 7)), int(rng.integers(2, 5)))
        families.append(layers)
        base = sum(L["m"] * L["n"] + (L["m"] if L["bias"] else 0) for L in layers)
        for budget in [0.3, 0.8, 1.5, 3.0]:
            for floor, cap in [(1, None), (2, 5)]:
                allowed = int(np.floor(budget * base))
                got = allocate(layers, allowed, floor, cap)
                case = dict(name=f"case{c}-b{budget}-f{floor}-c{cap}", layers=layers, budget=budget, floor=floor, cap=cap, base_parameters=base)
                if got is None:
                    case["refused"] = True
                else:
                    ranks, spent, value = got
                    case.update(refused=False, ranks=ranks, overhead_parameters=spent, value=value, energy_kept=mean_share(layers, ranks))
                    if cap is None:
                        case["uniform"] = uniform_at_budget(layers, allowed)
                cases.append(case)
    # --gate-k k: the same families with the router's rank tied to k (fixed cost: biases; step E(m + 2n)).
    for c, layers in enumerate(families):
        base = sum(L["m"] * L["n"] + (L["m"] if L["bias"] else 0) for L in layers)
        for budget in [0.3, 0.8, 1.5]:
            allowed = int(np.floor(budget * base))
            got = allocate(layers, allowed, 1, None, tied=True)
            case = dict(name=f"case{c}-b{budget}-tied", layers=layers, budget=budget, floor=1, cap=None, base_parameters=base, tied=True, refused=got is None)
            if got is not None:
                ranks, spent, value = got
                case.update(ranks=ranks, overhead_parameters=spent, value=value, energy_kept=mean_share(layers, ranks),
                            uniform=uniform_at_budget(layers, allowed, tied=True))
            cases.append(case)
    # --budget-on updates / uniform: the same families with update spectra (a separate stream, so the
    # cases above do not change).
    urng = np.random.default_rng(20261206)
    allocations = []
    for c, layers in enumerate(families):
        layers = with_updates(layers, urng)
        base = sum(L["m"] * L["n"] + (L["m"] if L["bias"] else 0) for L in layers)
        for budget in [0.3, 0.8, 1.5]:
            for floor, cap in [(1, None), (2, 5)]:
                for tied in [False, True]:
                    allowed = int(np.floor(budget * base))
                    for how in ["updates", "uniform"]:
                        if how == "updates":
                            got = allocate(updates_view(layers), allowed, floor, cap, tied=tied)
                            got = got and (got[0], got[1])
                        else:
                            got = uniform_clamped(layers, allowed, floor, cap, tied=tied)
                        case = dict(name=f"case{c}-b{budget}-f{floor}-c{cap}-{'tied' if tied else 'g'}-{how}", layers=layers, budget=budget,
                                    floor=floor, cap=cap, tied=tied, allocation=how, base_parameters=base, refused=got is None)
                        if got is not None:
                            ranks, spent = got
                            case.update(ranks=ranks, overhead_parameters=spent, energy_kept_residuals=mean_share(layers, ranks),
                                        energy_kept_updates=mean_share(updates_view(layers), ranks))
                        allocations.append(case)
    with open(OUT, "w") as f:
        json.dump(dict(generator="reference/smile_budget_reference.py", cases=cases, allocations=allocations), f)
        f.write("\n")
    print(f"wrote {len(cases)} cases and {len(allocations)} --budget-on cases to {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()

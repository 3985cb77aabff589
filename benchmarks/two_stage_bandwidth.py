#!/usr/bin/env python3
"""Times LAPACK's two-stage tridiagonal reduction of a symmetric n×n matrix (eigenvalues only) at
several band half-widths kd, against dsyev_2stage (whose own kd is ilaenv2stage's, 32 here), calling the
system OpenBLAS's LAPACK directly (dsytrd_sy2sb, dsytrd_sb2st, dsterf) as smile-inspect does.

    OPENBLAS_NUM_THREADS=1 python3 benchmarks/two_stage_bandwidth.py [--n 4096] [--kd 32 64 96 128]

Prints, per kd, the seconds of each stage and the largest eigenvalue difference from numpy's eigvalsh
relative to λ₁ (a timing script, not a test; benchmarks/RESULTS.md run 14)."""
import argparse
import ctypes
import time

import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("--n", type=int, default=4096)
parser.add_argument("--kd", type=int, nargs="+", default=[32, 64, 96, 128])
parser.add_argument("--repeats", type=int, default=2)
args = parser.parse_args()

blas = ctypes.CDLL("libopenblas.so.0")
lapacke = ctypes.CDLL("liblapacke.so.3")
Int, ref = ctypes.c_int, ctypes.byref
char = lambda c: ref(ctypes.c_char(c.encode()))
ptr = lambda a: a.ctypes.data_as(ctypes.c_void_p)

n = args.n
a = np.random.default_rng(0).standard_normal((n, n))
g = a @ a.T
expected = np.linalg.eigvalsh(g)
scale = expected[-1]
ilaenv = blas.ilaenv2stage_
ilaenv.restype = ctypes.c_int
default_kd = ilaenv(ref(Int(1)), ctypes.create_string_buffer(b"DSYTRD_2STAGE"), ctypes.create_string_buffer(b"N"),
                    ref(Int(n)), ref(Int(-1)), ref(Int(-1)), ref(Int(-1)), ctypes.c_size_t(13), ctypes.c_size_t(1))
print(f"n = {n}; dsyev_2stage's kd (ilaenv2stage) = {default_kd}")

for _ in range(args.repeats):
    m = np.ascontiguousarray(g.copy())
    w = np.zeros(n)
    start = time.perf_counter()
    info = lapacke.LAPACKE_dsyev_2stage(Int(102), ctypes.c_char(b"N"), ctypes.c_char(b"U"), Int(n), ptr(m), Int(n), ptr(w))
    print(f"dsyev_2stage: {time.perf_counter() - start:.2f} s (info {info}), max |Δλ|/λ₁ {np.max(np.abs(w - expected)) / scale:.1e}")

for kd in args.kd:
    for _ in range(args.repeats):
        m = np.asfortranarray(g.copy())
        ab, tau = np.zeros((kd + 1, n), order="F"), np.zeros(n)
        info, size = Int(0), np.zeros(1)
        blas.dsytrd_sy2sb_(char("U"), ref(Int(n)), ref(Int(kd)), ptr(m), ref(Int(n)), ptr(ab), ref(Int(kd + 1)), ptr(tau), ptr(size), ref(Int(-1)), ref(info), ctypes.c_size_t(1))
        work = np.zeros(int(size[0]))
        start = time.perf_counter()
        blas.dsytrd_sy2sb_(char("U"), ref(Int(n)), ref(Int(kd)), ptr(m), ref(Int(n)), ptr(ab), ref(Int(kd + 1)), ptr(tau), ptr(work), ref(Int(len(work))), ref(info), ctypes.c_size_t(1))
        first = time.perf_counter() - start
        d, e, hsize, wsize = np.zeros(n), np.zeros(n - 1), np.zeros(1), np.zeros(1)
        blas.dsytrd_sb2st_(char("Y"), char("N"), char("U"), ref(Int(n)), ref(Int(kd)), ptr(ab), ref(Int(kd + 1)), ptr(d), ptr(e), ptr(hsize), ref(Int(-1)), ptr(wsize), ref(Int(-1)), ref(info), ctypes.c_size_t(1), ctypes.c_size_t(1), ctypes.c_size_t(1))
        house, work = np.zeros(int(hsize[0])), np.zeros(int(wsize[0]))
        start = time.perf_counter()
        blas.dsytrd_sb2st_(char("Y"), char("N"), char("U"), ref(Int(n)), ref(Int(kd)), ptr(ab), ref(Int(kd + 1)), ptr(d), ptr(e), ptr(house), ref(Int(len(house))), ptr(work), ref(Int(len(work))), ref(info), ctypes.c_size_t(1), ctypes.c_size_t(1), ctypes.c_size_t(1))
        second = time.perf_counter() - start
        start = time.perf_counter()
        blas.dsterf_(ref(Int(n)), ptr(d), ptr(e), ref(info))
        third = time.perf_counter() - start
        print(f"kd {kd:3d}: sy2sb {first:.2f} s, sb2st {second:.2f} s, dsterf {third:.2f} s, total {first + second + third:.2f} s; "
              f"max |Δλ|/λ₁ {np.max(np.abs(np.sort(d) - expected)) / scale:.1e}")

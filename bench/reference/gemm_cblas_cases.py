#!/usr/bin/python3
"""OpenBLAS cblas_sgemm GFLOP/s, row-major, with transposes, leading dimensions and beta: the
OpenBLAS that numpy loaded, called through ctypes (numpy's matmul cannot take beta or strided
operands as they are). For nativenn's bench/gemm-small.js.
  OPENBLAS_NUM_THREADS=1 python3 gemm_cblas_cases.py [--seconds 0.02] 'NT,32,64,256,5120,256,64,0' ...
A case is op,m,n,k,lda,ldb,ldc,beta (op: N or T for A, then for B; alpha is 1). Prints one JSON
line: [{case, gflops, cpu_gflops, corename}], gflops over one timed batch of at least --seconds,
cpu_gflops the same work over the process's CPU time (all threads).
"""
import ctypes, json, sys, time
import numpy as np


def openblas():
    """The OpenBLAS library numpy loaded and its core name."""
    np.ones((2, 2), np.float32) @ np.ones((2, 2), np.float32)
    libs = sorted({l.split()[-1] for l in open('/proc/self/maps') if ('openblas' in l or 'libblas' in l) and '.so' in l})
    for lib in libs:
        try:
            so = ctypes.CDLL(lib)
            so.cblas_sgemm
        except (OSError, AttributeError):
            continue
        try:
            so.openblas_get_corename.restype = ctypes.c_char_p
            core = so.openblas_get_corename().decode()
        except AttributeError:
            core = 'not OpenBLAS'
        return so, core
    sys.exit('no cblas_sgemm in the BLAS numpy loaded')


args, seconds = sys.argv[1:], 0.02
while args and args[0].startswith('--'):
    if args[0] == '--seconds': seconds = float(args[1])
    else: sys.exit(f'unknown option {args[0]}')
    args = args[2:]
so, core = openblas()
f = so.cblas_sgemm
I, F, P = ctypes.c_int, ctypes.c_float, ctypes.c_void_p
f.argtypes = [I, I, I, I, I, I, F, P, I, P, I, F, P, I]
f.restype = None
out = []
for case in args:
    op, *nums = case.split(',')
    m, n, k, lda, ldb, ldc = (int(v) for v in nums[:6])
    beta = float(nums[6])
    ta, tb = op[0] == 'T', op[1] == 'T'
    a = np.random.rand(k if ta else m, lda).astype(np.float32) - 0.5
    b = np.random.rand(n if tb else k, ldb).astype(np.float32) - 0.5
    c = np.zeros((m, ldc), np.float32)
    call = (101, 112 if ta else 111, 112 if tb else 111, m, n, k, F(1.0), P(a.ctypes.data), lda, P(b.ctypes.data),
            ldb, F(beta), P(c.ctypes.data), ldc)
    f(*call)
    t = time.perf_counter(); f(*call); one = max(time.perf_counter() - t, 1e-7)
    reps = max(3, int(seconds / one))
    t, cpu = time.perf_counter(), time.process_time()
    for _ in range(reps): f(*call)
    dt, cpu = time.perf_counter() - t, max(time.process_time() - cpu, 1e-9)
    out.append({'case': case, 'gflops': 2 * m * n * k * reps / dt / 1e9,
                'cpu_gflops': 2 * m * n * k * reps / cpu / 1e9, 'corename': core})
print(json.dumps(out))

#!/usr/bin/python3
"""OpenBLAS sgemm GFLOP/s through numpy for row-major shapes MxKxN (C = A(M,K) @ B(K,N)), float32.
  OPENBLAS_NUM_THREADS=1 python3 gemm_numpy_shapes.py [--batches 7] [--seconds 0.1] 512x512x512 128x784x256
Prints one JSON line: [{m, k, n, gflops, cpu_gflops, threads, corename, openblas}], gflops the median of
--batches timed batches of at least --seconds each (7 of 0.1 s by default; the interleaved
rounds of bench/gemm.js take 3 of 0.04 s per round and the median over the rounds); cpu_gflops
the same work over the process's CPU time (all threads) of those batches. Written for nativenn's bench (an extension of gemm_numpy.py
to non-square shapes and medians); also reports which OpenBLAS kernel ran (its core name).
"""
import ctypes, json, sys, time
import numpy as np


def openblas_info():
    """Core name, thread count and library of the OpenBLAS that numpy loaded, read from the library."""
    np.ones((2, 2), np.float32) @ np.ones((2, 2), np.float32)
    libs = sorted({l.split()[-1] for l in open('/proc/self/maps') if 'openblas' in l and '.so' in l})
    for lib in libs:
        try:
            so = ctypes.CDLL(lib)
            so.openblas_get_corename.restype = ctypes.c_char_p
            so.openblas_get_config.restype = ctypes.c_char_p
            return so.openblas_get_corename().decode(), so.openblas_get_num_threads(), so.openblas_get_config().decode()
        except (OSError, AttributeError):
            continue
    return 'unknown', 0, 'numpy BLAS is not OpenBLAS'


args, batches, seconds = sys.argv[1:], 7, 0.1
while args and args[0].startswith('--'):
    if args[0] == '--batches': batches = int(args[1])
    elif args[0] == '--seconds': seconds = float(args[1])
    else: sys.exit(f'unknown option {args[0]}')
    args = args[2:]
corename, threads, config = openblas_info()
out = []
for shape in args or ['512x512x512']:
    m, k, n = (int(v) for v in shape.split('x'))
    a = np.random.rand(m, k).astype(np.float32); b = np.random.rand(k, n).astype(np.float32)
    a @ b
    t = time.perf_counter(); a @ b; one = max(time.perf_counter() - t, 1e-7)
    reps = max(1, int(seconds / one))
    rates = []
    cpu0 = time.process_time()
    for _ in range(batches):
        t = time.perf_counter()
        for _ in range(reps): a @ b
        rates.append(2 * m * k * n * reps / (time.perf_counter() - t) / 1e9)
    cpu = max(time.process_time() - cpu0, 1e-9)
    out.append({'m': m, 'k': k, 'n': n, 'gflops': sorted(rates)[len(rates) // 2],
                'cpu_gflops': 2 * m * k * n * reps * batches / cpu / 1e9, 'threads': threads,
                'corename': corename, 'openblas': config})
print(json.dumps(out))

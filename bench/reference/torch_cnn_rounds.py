#!/usr/bin/python3
"""PyTorch CPU training of the Fashion-MNIST CNN recipe, one epoch per request, for interleaved
timing against nativenn (bench/cnn.js). The model, optimizer and data are those of
shared/bench/torch_cnn.py: conv3x3(1->32) relu, maxpool2, conv3x3(32->64) relu, maxpool2,
flatten, dense 128 relu, dense 10; Adam 1e-3; batch 64; pixels / 255.

Reads the first --train rows of train-images/labels from --data (IDX, gzipped) or, with
--synthetic, random pixels and labels of the same shape. Runs one untimed warm-up epoch, prints
`ready`, then for every line read on stdin runs one timed epoch and prints its seconds; exits at
end of input.
Usage: torch_cnn_rounds.py --threads N --train ROWS [--batch B] (--data DIR | --synthetic)"""
import argparse, gzip, sys, time, numpy as np, torch, torch.nn as tnn

p = argparse.ArgumentParser()
p.add_argument('--threads', type=int, default=1); p.add_argument('--train', type=int, default=2048)
p.add_argument('--batch', type=int, default=64); p.add_argument('--data', default=None)
p.add_argument('--synthetic', action='store_true'); p.add_argument('--seed', type=int, default=0)
a = p.parse_args()
torch.set_num_threads(a.threads); torch.manual_seed(a.seed)

def idx(path, off):
    with gzip.open(path) as f: return np.frombuffer(f.read(), np.uint8, offset=off)

if a.synthetic:
    rng = np.random.default_rng(7)
    xtr = rng.random((a.train, 1, 28, 28), dtype=np.float32)
    ytr = rng.integers(0, 10, a.train).astype(np.int64)
else:
    xtr = idx(f'{a.data}/train-images-idx3-ubyte.gz', 16).reshape(-1, 1, 28, 28)[:a.train].astype(np.float32) / 255
    ytr = idx(f'{a.data}/train-labels-idx1-ubyte.gz', 8)[:a.train].astype(np.int64)
m = tnn.Sequential(tnn.Conv2d(1, 32, 3), tnn.ReLU(), tnn.MaxPool2d(2), tnn.Conv2d(32, 64, 3), tnn.ReLU(), tnn.MaxPool2d(2),
                   tnn.Flatten(), tnn.Linear(64 * 5 * 5, 128), tnn.ReLU(), tnn.Linear(128, 10))
opt = torch.optim.Adam(m.parameters(), 1e-3); lossf = tnn.CrossEntropyLoss()
X, Y = torch.from_numpy(np.ascontiguousarray(xtr)), torch.from_numpy(ytr)

def epoch():
    perm = torch.randperm(len(X)); t = time.perf_counter()
    for i in range(0, len(X), a.batch):
        j = perm[i:i + a.batch]; opt.zero_grad(); l = lossf(m(X[j]), Y[j]); l.backward(); opt.step()
    return time.perf_counter() - t

epoch()  # untimed warm-up: oneDNN primitive creation, allocator
print(f'ready torch {torch.__version__} threads {torch.get_num_threads()} mkldnn {torch.backends.mkldnn.is_available()}', flush=True)
for _ in sys.stdin:
    print(f'{epoch():.6f}', flush=True)

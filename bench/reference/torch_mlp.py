#!/usr/bin/python3
"""PyTorch CPU reference for MLP training throughput and accuracy.

Keras-style training: Adam, mini-batches, reshuffled every epoch, softmax cross-entropy.
  python3 torch_mlp.py --data digits --hidden 64 --batch 32 --epochs 100
  python3 torch_mlp.py --inputs 784 --hidden 256,128 --samples 8000 --batch 128 --epochs 5
Without --data the samples are random (throughput does not depend on the values).
Needs Debian's python3-torch and python3-numpy (apt-get install python3-torch).
"""
import argparse, gzip, json, os, time
import numpy as np, torch

p = argparse.ArgumentParser()
p.add_argument('--data', choices=['digits'], default=None)
p.add_argument('--inputs', type=int, default=784)
p.add_argument('--classes', type=int, default=10)
p.add_argument('--samples', type=int, default=8000)
p.add_argument('--hidden', default='256,128')
p.add_argument('--batch', type=int, default=128)
p.add_argument('--epochs', type=int, default=5)
p.add_argument('--threads', type=int, default=1)
p.add_argument('--lr', type=float, default=1e-3)
p.add_argument('--warmup', type=int, default=1, help='untimed epochs first (allocator and oneDNN warm-up)')
a = p.parse_args()
torch.set_num_threads(a.threads); torch.manual_seed(0); rng = np.random.default_rng(0)

# nativenn copy: the digits files live in the repository's data/, two levels up from bench/reference/.
here = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
if a.data == 'digits':
    text = gzip.open(os.path.join(here, '../data/digits.csv.gz'), 'rt').read().split('\n')[1:]
    A = np.array([l.split(',') for l in text if l], dtype=np.float32)
    X, y = A[:, :64] / 16.0, A[:, 64].astype(np.int64)
    split = json.load(open(os.path.join(here, '../data/digits-split-seed42.json')))
    Xtr, ytr, Xte, yte = X[split['train']], y[split['train']], X[split['test']], y[split['test']]
else:
    Xtr = rng.random((a.samples, a.inputs), dtype=np.float32); ytr = rng.integers(0, a.classes, a.samples)
    Xte, yte = Xtr[:1000], ytr[:1000]
Xtr, ytr, Xte, yte = map(torch.from_numpy, (Xtr, ytr, Xte, yte))

layers, n = [], Xtr.shape[1]
for h in [int(v) for v in a.hidden.split(',') if v]:
    layers += [torch.nn.Linear(n, h), torch.nn.ReLU()]; n = h
layers.append(torch.nn.Linear(n, int(ytr.max()) + 1 if a.data else a.classes))
model = torch.nn.Sequential(*layers)
opt = torch.optim.Adam(model.parameters(), lr=a.lr); loss_fn = torch.nn.CrossEntropyLoss()

def epoch():
    perm = torch.randperm(len(ytr)); n = 0
    for i in range(0, len(ytr), a.batch):
        idx = perm[i:i + a.batch]
        opt.zero_grad(); loss_fn(model(Xtr[idx]), ytr[idx]).backward(); opt.step(); n += 1
    return n
for _ in range(a.warmup): epoch()
t0 = time.perf_counter(); c0 = time.process_time(); steps = 0
for _ in range(a.epochs):
    steps += epoch()
dt = time.perf_counter() - t0; cpu = time.process_time() - c0
with torch.no_grad():
    acc = (model(Xte).argmax(1) == yte).float().mean().item()
print(f"torch {torch.__version__} threads={a.threads} inputs={Xtr.shape[1]} hidden={a.hidden} batch={a.batch} "
      f"epochs={a.epochs}: {len(ytr) * a.epochs / dt:,.0f} samples/s, {dt / steps * 1e6:.0f} us/step, test accuracy {acc:.4f}, "
      f"cpu time {len(ytr) * a.epochs / cpu:,.0f} samples/s")

#!/usr/bin/python3
"""PyTorch reference for the two small tabular tasks made from the digits set (same split,
same recipe as test/examples/reference/digits-tabular.ts):
  binary:     even vs odd digit, 64 → 32 relu → 1 sigmoid, binary cross-entropy
  regression: the digit's value 0..9 as a number, 64 → 32 relu → 1 linear, mean squared error
Adam lr 1e-3, batch 32, 60 epochs, min-max scaled pixels (over the whole set, as the examples do).
  python3 digits_tabular_torch.py [seeds...]
"""
import gzip, json, os, sys
import numpy as np, torch

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.join(here, '../../../data')
text = gzip.open(os.path.join(root, 'digits.csv.gz'), 'rt').read().split('\n')[1:]
A = np.array([l.split(',') for l in text if l], dtype=np.float32)
X, y = A[:, :64], A[:, 64]
mn, mx = X.min(0), X.max(0)
X = (X - mn) / np.where(mx > mn, mx - mn, 1)
split = json.load(open(os.path.join(root, 'digits-split-seed42.json')))
tr, te = split['train'], split['test']
torch.set_num_threads(1)

def run(task, seed):
    torch.manual_seed(seed)
    target = (y % 2 == 0).astype(np.float32) if task == 'binary' else y.astype(np.float32)
    Xtr, Xte = torch.from_numpy(X[tr]), torch.from_numpy(X[te])
    ytr, yte = torch.from_numpy(target[tr]).unsqueeze(1), torch.from_numpy(target[te]).unsqueeze(1)
    layers = [torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 1)]
    if task == 'binary': layers.append(torch.nn.Sigmoid())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = torch.nn.BCELoss() if task == 'binary' else torch.nn.MSELoss()
    for _ in range(60):
        perm = torch.randperm(len(ytr))
        for i in range(0, len(ytr), 32):
            idx = perm[i:i + 32]
            opt.zero_grad(); loss_fn(model(Xtr[idx]), ytr[idx]).backward(); opt.step()
    with torch.no_grad():
        out = model(Xte); loss = loss_fn(out, yte).item()
        metric = ((out > 0.5).float() == yte).float().mean().item() if task == 'binary' else (out - yte).abs().mean().item()
    return loss, metric

seeds = [int(s) for s in sys.argv[1:]] or [1, 2, 3, 4, 5]
for task, name in (('binary', 'accuracy'), ('regression', 'mae')):
    r = np.array([run(task, s) for s in seeds])
    print(f"torch {task}: test loss {r[:, 0].mean():.4f} (min {r[:, 0].min():.4f} max {r[:, 0].max():.4f}), "
          f"test {name} {r[:, 1].mean():.4f} over seeds {seeds}")

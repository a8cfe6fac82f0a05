# examples/digits-gan.ts in PyTorch for bench/gan.js: the same layers, Adam(2e-4, beta1 0.5),
# batch 64, one-sided label smoothing, a discriminator step on real and one on generated images,
# then a generator step. Usage: torch_cgan.py EPOCHS THREADS; prints the training seconds.
import gzip, os, sys, time
import numpy as np, torch, torch.nn as nn
torch.set_num_threads(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
torch.manual_seed(0)
epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 50
here = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
rows = np.loadtxt(gzip.open(os.path.join(here, 'data', 'digits.csv.gz'), 'rt'), delimiter=',', skiprows=1)
x = torch.tensor(rows[:, :64] / 8 - 1, dtype=torch.float32); y = torch.tensor(rows[:, 64].astype(np.int64))
G = nn.Sequential(nn.Linear(26, 128), nn.LeakyReLU(0.2), nn.Linear(128, 128), nn.LeakyReLU(0.2), nn.Linear(128, 64), nn.Tanh())
D = nn.Sequential(nn.Linear(74, 128), nn.LeakyReLU(0.2), nn.Dropout(0.3), nn.Linear(128, 64), nn.LeakyReLU(0.2), nn.Linear(64, 1), nn.Sigmoid())
og = torch.optim.Adam(G.parameters(), 2e-4, betas=(0.5, 0.999)); od = torch.optim.Adam(D.parameters(), 2e-4, betas=(0.5, 0.999))
bce = nn.BCELoss(); B = 64; eye = torch.eye(10)
t0 = time.perf_counter()
for e in range(epochs):
    order = torch.randperm(len(y))
    for s in range(0, len(y) - B + 1, B):
        idx = order[s:s + B]; real = x[idx]; lab = eye[y[idx]]
        want = eye[torch.randint(0, 10, (B,))]
        with torch.no_grad(): fake = G(torch.cat([torch.randn(B, 16), want], 1))
        od.zero_grad(); l = bce(D(torch.cat([real, lab], 1)), torch.full((B, 1), 0.9)); l.backward(); od.step()
        od.zero_grad(); l = bce(D(torch.cat([fake, want], 1)), torch.zeros(B, 1)); l.backward(); od.step()
        c = eye[torch.randint(0, 10, (B,))]
        og.zero_grad(); l = bce(D(torch.cat([G(torch.cat([torch.randn(B, 16), c], 1)), c], 1)), torch.ones(B, 1)); l.backward(); og.step()
print(f"seconds {time.perf_counter() - t0:.4f}")

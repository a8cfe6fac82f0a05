#!/usr/bin/python3
"""PyTorch CPU reference for examples/char-lstm.ts: shared/bench/torch_lstm.py --task chars
(next character over the lowercased Debian word list: windows of --steps characters,
embedding(vocab, 32) -> LSTM(units) -> dense(vocab), Adam 1e-3, batch --batch, first 90 % train),
with four additions: --starts FILE reads the window starts (one integer a line, e.g. the ones
nativenn's slidingWindows drew) instead of drawing them with numpy, so both sides train and test
on the same windows; one line per epoch (train loss, test loss and accuracy) as the example
prints; --one-bias (see its help), to measure what PyTorch's two LSTM biases change; and --dump
DIR (bench/char-lstm-same-start.ts: the initial weights, batch order and batch losses). Test
loss and accuracy use no randomness, so without --one-bias the training run is the one
torch_lstm.py makes with the same seed and windows."""
import argparse, json, subprocess, time, numpy as np, torch, torch.nn as tnn
p = argparse.ArgumentParser()
p.add_argument('--threads', type=int, default=1); p.add_argument('--units', type=int, default=128)
p.add_argument('--epochs', type=int, default=3); p.add_argument('--batch', type=int, default=64)
p.add_argument('--steps', type=int, default=16); p.add_argument('--rows', type=int, default=50000)
p.add_argument('--text', default=None); p.add_argument('--seed', type=int, default=0)
p.add_argument('--starts', default=None, help='window starts, one integer a line (default: numpy draws --rows)')
p.add_argument('--one-bias', action='store_true', help="the LSTM's bias as Keras and nativenn keep it: b_ih + b_hh "
               'folded into b_ih at the start (the same initial sum), b_hh frozen at 0, so Adam steps one bias, not two')
p.add_argument('--dump', default=None, help='write into this folder the initial weights in the Keras layout (w0..w5.f32, '
               'float32), every epoch\'s row order (perms.i32) and every batch\'s loss (batch_losses.json)')
def pkg_file(package, suffix):
    """The path of a file that a Debian package installs (dpkg -L), by the end of its name."""
    try: out = subprocess.run(['dpkg', '-L', package], capture_output=True, text=True).stdout.split()
    except OSError: out = []
    hits = [p for p in out if p.endswith(suffix)]
    if not hits: raise SystemExit(f'{package} is not installed: apt-get install {package}')
    return hits[0]
a = p.parse_args(); torch.set_num_threads(a.threads); torch.manual_seed(a.seed)
if a.text is None: a.text = pkg_file('wamerican', 'american-english')
text = open(a.text, encoding='utf8').read().lower()
chars = sorted(set(text)); ix = {c: i for i, c in enumerate(chars)}; ids = np.array([ix[c] for c in text], np.int64)
if a.starts is None: starts = np.random.default_rng(a.seed).integers(0, len(ids) - a.steps - 1, a.rows)
else: starts = np.loadtxt(a.starts, dtype=np.int64, ndmin=1); a.rows = len(starts)
if starts.min() < 0 or starts.max() + a.steps >= len(ids): raise SystemExit('a window start is outside the text')
X = np.stack([ids[s:s + a.steps] for s in starts]); Y = ids[starts + a.steps]
n = int(0.9 * a.rows); Xtr, Ytr = torch.from_numpy(X[:n]), torch.from_numpy(Y[:n]); Xte, Yte = torch.from_numpy(X[n:]), torch.from_numpy(Y[n:])
class M(tnn.Module):
    def __init__(s): super().__init__(); s.e = tnn.Embedding(len(chars), 32); s.r = tnn.LSTM(32, a.units, batch_first=True); s.o = tnn.Linear(a.units, len(chars))
    def forward(s, x): return s.o(s.r(s.e(x))[0][:, -1])
m = M()
if a.one_bias:
    with torch.no_grad(): m.r.bias_ih_l0 += m.r.bias_hh_l0; m.r.bias_hh_l0.zero_()
    m.r.bias_hh_l0.requires_grad_(False)
if a.dump:  # embedding, kernel [F, 4U], recurrent kernel [U, 4U], one bias, dense kernel [U, V], bias
    keras = [m.e.weight, m.r.weight_ih_l0.T, m.r.weight_hh_l0.T, m.r.bias_ih_l0 + m.r.bias_hh_l0, m.o.weight.T, m.o.bias]
    for i, w in enumerate(keras): w.detach().numpy().astype(np.float32).tofile(f'{a.dump}/w{i}.f32')
opt = torch.optim.Adam(m.parameters(), 1e-3); lossf = tnn.CrossEntropyLoss(); times = []; perms = []; batch_losses = []
for e in range(a.epochs):
    perm = torch.randperm(len(Xtr)); perms.append(perm.numpy().astype(np.int32)); t = time.perf_counter(); total = 0.0
    for i in range(0, len(Xtr), a.batch):
        j = perm[i:i + a.batch]; opt.zero_grad(); loss = lossf(m(Xtr[j]), Ytr[j]); loss.backward(); opt.step()
        total += loss.item() * len(j); batch_losses.append(loss.item())
    times.append(time.perf_counter() - t)
    with torch.no_grad(): out = m(Xte); tl = lossf(out, Yte).item(); acc = (out.argmax(1) == Yte).double().mean().item()
    print(f'epoch {e + 1}/{a.epochs}: train loss {total / len(Xtr):.4f}, test loss {tl:.4f} accuracy {acc:.4f}', flush=True)
if a.dump: np.concatenate(perms).tofile(f'{a.dump}/perms.i32'); json.dump(batch_losses, open(f'{a.dump}/batch_losses.json', 'w'))
print(json.dumps({'torch': torch.__version__, 'seed': a.seed, 'rows': a.rows, 'testAccuracy': acc,
                  'epochSeconds': float(np.median(times)), 'windows': 'file' if a.starts else 'numpy', 'oneBias': a.one_bias}))

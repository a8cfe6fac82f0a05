#!/usr/bin/python3
"""PyTorch CPU training of the recurrent recipes of shared/bench/torch_lstm.py, driven request by
request, for interleaved timing against nativenn (bench/rnn.js).

--task digits: 8 steps x 8 features (pixels / 16) -> LSTM(64) -> Linear 10; Adam 1e-2; batch 32.
--task chars: 16 character ids -> Embedding(vocab, 32) -> LSTM(128) (last step) -> Linear(vocab);
  Adam 1e-3; batch 64.
Both: torch.nn.LSTM(batch_first=True), CrossEntropyLoss on the logits.

The rows are the ones nativenn trains on, written by bench/lib/rnn.js into --data DIR:
x_train.f32 / x_test.f32 (float32; character ids for chars), y_train.i32 / y_test.i32 (int32
class ids) and meta.json ({task, steps, features, vocab}).

Runs one untimed warm-up epoch, prints a `ready ...` line, then answers one line per request:
  epochs K     K timed epochs: `<wall seconds> <process cpu seconds>` for all K
  eval         test accuracy
  latency S    single-sequence forward (no_grad) for >= S seconds: median seconds per call
  batch S      forward of the whole test set for >= S seconds: median seconds per pass
and exits at end of input.
Usage: torch_lstm_rounds.py --threads N --data DIR"""
import argparse, json, sys, time, numpy as np, torch, torch.nn as tnn

p = argparse.ArgumentParser()
p.add_argument('--threads', type=int, default=1); p.add_argument('--data', required=True)
p.add_argument('--seed', type=int, default=0)
a = p.parse_args()
torch.set_num_threads(a.threads); torch.manual_seed(a.seed)
meta = json.load(open(f'{a.data}/meta.json'))
steps = meta['steps']

def load(name, dtype):
    return np.fromfile(f'{a.data}/{name}', dtype)

if meta['task'] == 'digits':
    shape = (-1, steps, meta['features'])
    Xtr = torch.from_numpy(load('x_train.f32', np.float32).reshape(shape))
    Xte = torch.from_numpy(load('x_test.f32', np.float32).reshape(shape))
    class M(tnn.Module):
        def __init__(s): super().__init__(); s.r = tnn.LSTM(meta['features'], 64, batch_first=True); s.o = tnn.Linear(64, 10)
        def forward(s, x): return s.o(s.r(x)[0][:, -1])
    lr, batch = 1e-2, 32
else:
    Xtr = torch.from_numpy(load('x_train.f32', np.float32).reshape(-1, steps).astype(np.int64))
    Xte = torch.from_numpy(load('x_test.f32', np.float32).reshape(-1, steps).astype(np.int64))
    vocab = meta['vocab']
    class M(tnn.Module):
        def __init__(s): super().__init__(); s.e = tnn.Embedding(vocab, 32); s.r = tnn.LSTM(32, 128, batch_first=True); s.o = tnn.Linear(128, vocab)
        def forward(s, x): return s.o(s.r(s.e(x))[0][:, -1])
    lr, batch = 1e-3, 64
Ytr = torch.from_numpy(load('y_train.i32', np.int32).astype(np.int64)); Yte = load('y_test.i32', np.int32)
m = M(); opt = torch.optim.Adam(m.parameters(), lr); lossf = tnn.CrossEntropyLoss()

def epoch():
    perm = torch.randperm(len(Xtr))
    for i in range(0, len(Xtr), batch):
        j = perm[i:i + batch]; opt.zero_grad(); lossf(m(Xtr[j]), Ytr[j]).backward(); opt.step()

def median_call(fn, seconds):
    times, start = [], time.perf_counter()
    while len(times) < 5 or time.perf_counter() - start < seconds:
        t = time.perf_counter(); fn(); times.append(time.perf_counter() - t)
    return float(np.median(times))

epoch()  # untimed warm-up: allocator, first-call dispatch
print(f'ready torch {torch.__version__} {meta["task"]} threads {torch.get_num_threads()} train {len(Xtr)} test {len(Xte)}', flush=True)
one = Xte[:1]
for line in sys.stdin:
    cmd, *arg = line.split()
    if cmd == 'epochs':
        t, c = time.perf_counter(), time.process_time()
        for _ in range(int(arg[0])): epoch()
        print(f'{time.perf_counter() - t:.6f} {time.process_time() - c:.6f}', flush=True)
    elif cmd == 'eval':
        with torch.no_grad(): print(f'{(m(Xte).argmax(1).numpy() == Yte).mean():.4f}', flush=True)
    elif cmd in ('latency', 'batch'):
        x = one if cmd == 'latency' else Xte
        with torch.no_grad(): print(f'{median_call(lambda: m(x), float(arg[0])):.9f}', flush=True)
    else:
        print(f'unknown request {cmd!r}', file=sys.stderr); sys.exit(2)

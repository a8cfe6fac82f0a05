// Activations (relu, sigmoid, tanh, gelu) over 1M elements and row softmax over 1000×1000:
// nativenn native (all threads: large elementwise work is split across the pool) against the js
// backend, in M elements/s. An op is one forward pass out-of-place.
const { loadNativenn, nativeMissing, runSuite, runWorkload, fmtRatio, nativeThreads } = require('./lib/common');

const N = 1_000_000;
const ROWS = 1000;
const COLS = 1000;

runWorkload('activations', async (report) => {
  const nn = loadNativenn();
  const native = nn.backends.native;
  const skipNative = nativeMissing(nn);
  if (skipNative) report.note(`activations native: skipped, ${skipNative}`);
  const threads = native ? nativeThreads(nn) : 1;

  const x = new Float32Array(N);
  for (let i = 0; i < N; i++) x[i] = Math.sin(i * 0.37) * 4; // values in [-4, 4]: every branch of each activation
  const out = new Float32Array(N);

  const kernels = [
    ...['relu', 'sigmoid', 'tanh', 'gelu'].map((kind) => ({
      name: kind,
      workload: `${kind} forward, 1M elements`,
      run: (backend) => () => backend.activationForward(kind, out, x, N, 0),
    })),
    {
      name: 'softmax',
      workload: `softmax forward, ${ROWS}×${COLS}`,
      run: (backend) => () => backend.softmaxForward(out, x, ROWS, COLS),
    },
  ];

  for (const k of kernels) {
    const cases = [];
    for (const [label, backend] of [
      [`native ${threads} thread${threads > 1 ? 's' : ''}`, native],
      ['js', nn.backends.js],
    ]) {
      if (!backend) continue;
      try {
        k.run(backend)(); // a kernel missing from this build throws here, before benny
        cases.push({ name: label, fn: k.run(backend), options: { minSamples: 10, maxTime: 1.5 } });
      } catch (err) {
        report.note(`${k.name} ${label}: skipped, ${err.message}`);
      }
    }
    const medians = await runSuite(`activation ${k.name}`, cases, `activation-${k.name}`);
    const rate = (name) => (medians.has(name) ? N / medians.get(name) / 1e6 : undefined);
    const nat = rate(`native ${threads} thread${threads > 1 ? 's' : ''}`);
    const js = rate('js');
    if (nat !== undefined)
      report.row(k.workload, `nativenn native, ${threads} thread${threads > 1 ? 's' : ''}`, nat, 'M elements/s', {
        ratio: fmtRatio(nat, js, 'js') ?? undefined,
      });
    if (js !== undefined) report.row(k.workload, 'nativenn js backend', js, 'M elements/s');
  }
});

// The main of the hostile-scenario child scripts: runs the scenario named by argv[2], prints one
// JSON line { ok, ... } and exits 0 when it ended as it should (1 otherwise, 2 for an unknown name).
function runScenario(scenarios) {
  const name = process.argv[2];
  if (!scenarios[name]) {
    console.error(`unknown scenario ${name}; known: ${Object.keys(scenarios).join(', ')}`);
    process.exit(2);
  }
  scenarios[name]().then(
    (r) => {
      console.log(JSON.stringify(r));
      process.exit(r.ok ? 0 : 1);
    },
    (e) => {
      console.log(JSON.stringify({ ok: false, error: String(e?.stack) }));
      process.exit(1);
    },
  );
}

module.exports = { runScenario };

/**
 * The PyTorch peer of `pnpm bench --peer torch`: finds a Python that can import torch, runs
 * `bench_torch.py` beside this file in a child process and reads back its JSON lines (all steps
 * at once with `runTorch`, or one step per request with `startTorchServer`, which the bench uses).
 */
const { spawn, spawnSync } = require('child_process');
const readline = require('readline');
const path = require('path');

const SCRIPT = path.join(__dirname, 'bench_torch.py');
const INSTALL_HINT =
  'install PyTorch for one of them (Debian/Ubuntu: apt-get install python3-torch; elsewhere: pip install torch) ' +
  'or name a Python that has it with LASAGNE_PYTHON=/path/to/python';

/** The Pythons to try, in order: LASAGNE_PYTHON, `python3` on PATH, Debian's /usr/bin/python3. */
function pythonCandidates(env = process.env) {
  const list = [env.LASAGNE_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean);
  return [...new Set(list)];
}

/**
 * The first candidate that imports torch: `{ python, torch, tried }` (torch's version; why the
 * candidates before it failed), or
 * `{ python: null, tried: ['python3: No module named torch', ...] }` saying why each failed.
 */
function findTorchPython(env = process.env, candidates = pythonCandidates(env)) {
  const tried = [];
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', env, timeout: 60000 });
    if (r.status === 0) return { python, torch: r.stdout.trim(), tried };
    const why = r.error ? (r.error.code === 'ENOENT' ? 'not found' : r.error.message) : lastLine(r.stderr) || `exit ${r.status}`;
    tried.push(`${python}: ${why}`);
  }
  return { python: null, tried };
}

function lastLine(text) {
  const lines = String(text || '').trim().split('\n');
  return lines[lines.length - 1].trim();
}

/** One line for a missing torch: what was tried and what to do. */
function noTorchMessage(found) {
  return `--peer torch: no Python with torch found (tried ${found.tried.join('; ')}); ${INSTALL_HINT}.`;
}

/** Checks one JSON record of bench_torch.py; returns it, or throws naming what is wrong. */
function checkRecord(rec) {
  const bad = (what) => {
    throw new Error(`bench_torch.py printed a record without ${what}: ${JSON.stringify(rec).slice(0, 200)}`);
  };
  if (!rec || typeof rec !== 'object') bad('an object');
  if (rec.model !== 'mlp' && rec.model !== 'cnn') bad("a model 'mlp' or 'cnn'");
  for (const k of ['train_ms', 'val_ms', 'threads', 'params', 'loss']) {
    if (typeof rec[k] !== 'number' || !Number.isFinite(rec[k])) bad(`a finite number '${k}'`);
  }
  if (!(rec.train_ms > 0 && rec.val_ms > 0)) bad('positive times');
  if (!Array.isArray(rec.param_shapes)) bad("'param_shapes'");
  return rec;
}

/** The records of bench_torch.py's stdout (one JSON object per line; other lines are refused). */
function parseTorchOutput(stdout) {
  const lines = String(stdout).split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.map((line) => {
    let rec;
    try {
      rec = JSON.parse(line);
    } catch {
      throw new Error(`bench_torch.py printed a line that is not JSON: ${line.slice(0, 200)}`);
    }
    return checkRecord(rec);
  });
}

/**
 * The environment the peer runs in: OMP_WAIT_POLICY=PASSIVE (OpenMP threads that spin after an
 * op slow whatever runs next on the shared cores) and OMP_NUM_THREADS=threads, unless set already.
 */
function torchEnv(threads, env = process.env) {
  return { ...env, OMP_WAIT_POLICY: env.OMP_WAIT_POLICY ?? 'PASSIVE', OMP_NUM_THREADS: env.OMP_NUM_THREADS ?? String(threads) };
}

/**
 * Runs bench_torch.py with `python` for `models` and returns its records (in the models' order).
 * Throws with the script's stderr when it fails.
 */
function runTorch({ python, models, steps, warmup, threads, batch = 500, env = process.env }) {
  const args = [SCRIPT, '--models', models.join(','), '--steps', String(steps), '--warmup', String(warmup), '--threads', String(threads), '--batch', String(batch)];
  const r = spawnSync(python, args, { encoding: 'utf8', env: torchEnv(threads, env), maxBuffer: 16 << 20 });
  if (r.error) throw new Error(`--peer torch: could not run ${python}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`--peer torch: ${python} ${path.basename(SCRIPT)} failed (exit ${r.status}): ${r.stderr.trim().slice(-2000)}`);
  const recs = parseTorchOutput(r.stdout);
  const got = recs.map((rec) => rec.model).join(',');
  if (got !== models.join(',')) throw new Error(`--peer torch: asked bench_torch.py for ${models.join(',')}, it reported ${got || 'nothing'}`);
  return recs;
}

/**
 * `bench_torch.py --serve` in a child process: `request('mlp train')` resolves with the JSON line
 * it answers ({ms} for a step, the model's info for `info`); an error line, a non-JSON line or the
 * process ending rejects with what it printed. `close()` ends it.
 */
async function startTorchServer({ python, threads, batch = 500, env = process.env }) {
  const child = spawn(python, [SCRIPT, '--serve', '--threads', String(threads), '--batch', String(batch)], { env: torchEnv(threads, env), stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b) => (stderr += b));
  const waiting = [];
  const fail = (why) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`--peer torch: ${path.basename(SCRIPT)} --serve ${why}${stderr.trim() ? `: ${stderr.trim().slice(-2000)}` : ''}`));
  };
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    const w = waiting.shift();
    if (!w) return;
    let rec;
    try {
      rec = JSON.parse(line);
    } catch {
      w.reject(new Error(`--peer torch: ${path.basename(SCRIPT)} --serve printed a line that is not JSON: ${line.slice(0, 200)}`));
      return;
    }
    if (rec.error) w.reject(new Error(`--peer torch: ${rec.error}`));
    else w.resolve(rec);
  });
  child.on('exit', (code) => fail(`ended (exit ${code})`));
  child.on('error', (e) => fail(`could not start (${e.message})`));
  return {
    request(line) {
      return new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        child.stdin.write(`${line}\n`);
      });
    },
    close() {
      child.stdin.end();
    },
  };
}

module.exports = { SCRIPT, pythonCandidates, findTorchPython, noTorchMessage, parseTorchOutput, torchEnv, runTorch, startTorchServer };

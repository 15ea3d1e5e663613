/**
 * `pnpm bench`'s command line: `[--backend NAME] [--models mlp,cnn] [--steps N] [--warmup N]
 * [--rounds R] [--peer tfjs-layers|torch|off] [--threads N]`. Errors are one line naming the option.
 */
const PEERS = ['tfjs-layers', 'torch', 'off'];
const MODELS = ['mlp', 'cnn'];

class BenchUsageError extends Error {}

/** The options of `argv` (the arguments after the script), checked. */
function parseBenchArgs(argv) {
  const known = ['backend', 'models', 'steps', 'warmup', 'rounds', 'peer', 'threads'];
  const raw = {};
  for (let i = 0; i < argv.length; i += 2) {
    const name = /^--([a-z-]+)$/.exec(argv[i])?.[1];
    if (!name || !known.includes(name)) throw new BenchUsageError(`unknown argument '${argv[i]}'; expected ${known.map((k) => `--${k}`).join(', ')}`);
    if (i + 1 >= argv.length) throw new BenchUsageError(`--${name} needs a value`);
    raw[name] = argv[i + 1];
  }
  const count = (name, dflt, min) => {
    if (raw[name] === undefined) return dflt;
    const n = Number(raw[name]);
    if (!Number.isInteger(n) || n < min) throw new BenchUsageError(`--${name} must be an integer >= ${min}, got '${raw[name]}'`);
    return n;
  };
  const models = (raw.models ?? 'mlp,cnn').split(',').filter(Boolean);
  const unknown = models.filter((m) => !MODELS.includes(m));
  if (unknown.length || !models.length) throw new BenchUsageError(`--models takes a comma-separated list of ${MODELS.join(', ')}, got '${raw.models}'`);
  // `--peer on` was the old spelling of the default.
  const peer = raw.peer === undefined || raw.peer === 'on' ? 'tfjs-layers' : raw.peer;
  if (!PEERS.includes(peer)) throw new BenchUsageError(`--peer must be one of ${PEERS.join(', ')}, got '${raw.peer}'`);
  return {
    backend: raw.backend,
    models,
    steps: count('steps', 10, 1),
    warmup: count('warmup', 2, 0),
    rounds: count('rounds', 1, 1),
    peer,
    threads: count('threads', undefined, 1),
  };
}

module.exports = { parseBenchArgs, BenchUsageError, PEERS, MODELS };

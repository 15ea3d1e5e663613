/**
 * The plumbing of `pnpm bench` (scripts/bench.js): its options, and the PyTorch peer
 * (scripts/bench-torch.js + bench_torch.py): finding a Python with torch, the JSON it prints,
 * and that it builds mnist.py's networks with lasagne-ts' parameter shapes. Not a timing test.
 */
import * as path from 'path';
import * as L from '@lasagne-ts/layers';
import { buildCnn, buildMlp } from '../src/models';

const scripts = path.join(__dirname, '..', '..', '..', 'scripts');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parseBenchArgs } = require(path.join(scripts, 'bench-options.js'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const torchPeer = require(path.join(scripts, 'bench-torch.js'));

describe('pnpm bench options', () => {
  it('defaults: both models, 10 steps after 2 warm-ups, tfjs-layers as the peer', () => {
    expect(parseBenchArgs([])).toEqual({ backend: undefined, models: ['mlp', 'cnn'], steps: 10, warmup: 2, rounds: 1, peer: 'tfjs-layers', threads: undefined });
  });
  it('reads every option; --peer on is the old spelling of tfjs-layers', () => {
    expect(parseBenchArgs(['--peer', 'torch', '--models', 'mlp', '--steps', '3', '--warmup', '0', '--rounds', '4', '--threads', '2', '--backend', 'wasm']))
      .toEqual({ backend: 'wasm', models: ['mlp'], steps: 3, warmup: 0, rounds: 4, peer: 'torch', threads: 2 });
    expect(parseBenchArgs(['--peer', 'on']).peer).toBe('tfjs-layers');
    expect(parseBenchArgs(['--peer', 'off']).peer).toBe('off');
  });
  it('refuses what it cannot use, naming the option', () => {
    expect(() => parseBenchArgs(['--peer', 'jax'])).toThrow(/--peer must be one of tfjs-layers, torch, off, got 'jax'/);
    expect(() => parseBenchArgs(['--models', 'mlp,rnn'])).toThrow(/--models .* got 'mlp,rnn'/);
    expect(() => parseBenchArgs(['--steps', '0'])).toThrow(/--steps must be an integer >= 1, got '0'/);
    expect(() => parseBenchArgs(['--rounds', '0'])).toThrow(/--rounds must be an integer >= 1, got '0'/);
    expect(() => parseBenchArgs(['--warmup', '1.5'])).toThrow(/--warmup must be an integer >= 0/);
    expect(() => parseBenchArgs(['--step', '3'])).toThrow(/unknown argument '--step'/);
    expect(() => parseBenchArgs(['--steps'])).toThrow(/--steps needs a value/);
  });
});

const record = { model: 'mlp', train_ms: 55, val_ms: 10.9, threads: 2, params: 1276810, param_shapes: [[784, 800]], loss: 2.3 };

describe('the PyTorch peer', () => {
  it('reads one JSON record per line and refuses anything else', () => {
    expect(torchPeer.parseTorchOutput(`${JSON.stringify(record)}\n\n${JSON.stringify({ ...record, model: 'cnn' })}\n`).map((r: { model: string }) => r.model)).toEqual(['mlp', 'cnn']);
    expect(() => torchPeer.parseTorchOutput('Traceback (most recent call last):')).toThrow(/not JSON: Traceback/);
    expect(() => torchPeer.parseTorchOutput(JSON.stringify({ ...record, val_ms: null }))).toThrow(/without a finite number 'val_ms'/);
    expect(() => torchPeer.parseTorchOutput(JSON.stringify({ ...record, train_ms: 0 }))).toThrow(/without positive times/);
    expect(() => torchPeer.parseTorchOutput(JSON.stringify({ ...record, model: 'rnn' }))).toThrow(/without a model/);
  });

  it('tries LASAGNE_PYTHON, then python3, then /usr/bin/python3, and says why each failed', () => {
    expect(torchPeer.pythonCandidates({ LASAGNE_PYTHON: '/opt/py/bin/python' })).toEqual(['/opt/py/bin/python', 'python3', '/usr/bin/python3']);
    expect(torchPeer.pythonCandidates({})).toEqual(['python3', '/usr/bin/python3']);
    const found = torchPeer.findTorchPython(process.env, ['/nonexistent/python3']);
    expect(found).toEqual({ python: null, tried: ['/nonexistent/python3: not found'] });
    const msg = torchPeer.noTorchMessage(found);
    expect(msg).toMatch(/no Python with torch found \(tried \/nonexistent\/python3: not found\)/);
    expect(msg).toMatch(/apt-get install python3-torch/);
    expect(msg).toMatch(/LASAGNE_PYTHON=/);
  });

  it('runs PyTorch with passive OpenMP threads unless the user chose otherwise', () => {
    expect(torchPeer.torchEnv(2, {})).toMatchObject({ OMP_WAIT_POLICY: 'PASSIVE', OMP_NUM_THREADS: '2' });
    expect(torchPeer.torchEnv(2, { OMP_WAIT_POLICY: 'ACTIVE', OMP_NUM_THREADS: '1' })).toMatchObject({ OMP_WAIT_POLICY: 'ACTIVE', OMP_NUM_THREADS: '1' });
  });

  const found = torchPeer.findTorchPython();
  (found.python ? it : it.skip)('bench_torch.py --serve answers one step per request and names a bad request', async () => {
    const server = await torchPeer.startTorchServer({ python: found.python, threads: 1, batch: 20 });
    try {
      const info = await server.request('mlp info');
      expect(info.param_shapes).toEqual(L.getAllParams(buildMlp()).map((p) => [...p.get().shape]));
      expect(info.threads).toBe(1);
      for (const phase of ['train', 'val']) expect((await server.request(`mlp ${phase}`)).ms).toBeGreaterThan(0);
      await expect(server.request('rnn train')).rejects.toThrow(/expected 'mlp\|cnn info\|train\|val', got 'rnn train'/);
      expect((await server.request('mlp val')).ms).toBeGreaterThan(0); // still serving after a bad request
    } finally {
      server.close();
    }
  });
  if (!found.python) console.log(`skipped: bench_torch.py is not run (${torchPeer.noTorchMessage(found)})`);
  (found.python ? it : it.skip)("bench_torch.py builds mnist.py's networks with lasagne-ts' parameter shapes and reports one record each", () => {
    const recs = torchPeer.runTorch({ python: found.python, models: ['mlp', 'cnn'], steps: 2, warmup: 0, threads: 1, batch: 20 });
    const shapes = (net: L.Layer) => L.getAllParams(net).map((p) => [...p.get().shape]);
    const count = (net: L.Layer) => shapes(net).reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);
    expect(recs.map((r: { model: string }) => r.model)).toEqual(['mlp', 'cnn']);
    for (const [rec, net] of [[recs[0], buildMlp()], [recs[1], buildCnn()]] as const) {
      expect(rec.param_shapes).toEqual(shapes(net));
      expect(rec.params).toBe(count(net));
      expect(rec.threads).toBe(1);
      expect(rec.train_ms_all).toHaveLength(2);
      expect(rec.env).toEqual({ OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE', OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? '1' });
      // Glorot-uniform weights on inputs in [0, 1), ten balanced classes: the first loss is near ln 10.
      expect(rec.loss).toBeGreaterThan(1.5);
      expect(rec.loss).toBeLessThan(4);
    }
  });
});

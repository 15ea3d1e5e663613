/**
 * The demo page: Lasagne's mnist.py trained in the browser with @lasagne-ts (the packages'
 * browser entries), curves drawn per epoch, weights as .npz both ways. Plain DOM, no framework.
 *
 * URL parameters fill the form (model, depth, width, dropInput, dropHidden, backend, epochs,
 * train, val, batch, seed) and `autostart=1` starts training: the browser test drives it so.
 * `window.lasagneDemo` exposes the state and results.
 */
import { argmax, compile, describeBackend, eq, getBackend, ivector, mean, setBackend, setWasmPaths, tensor4, type CompiledFunction } from '@lasagne-ts/core';
import * as L from '@lasagne-ts/layers';
import { categoricalCrossentropy } from '@lasagne-ts/objectives';
import { iterateMinibatches, train, type DataSplit, type EpochRecord, type TestResult, type TrainData } from '@lasagne-ts/train';
import { formatModelSpec, modelBuilder, parseModelSpec } from '../src/models';
import { modelFromParamShapes } from '../src/web/params-model';
import { decodeMnistSubset, firstItems } from '../src/web/subset';
import { drawChart, drawFilters } from './charts';

interface DemoState {
  state: 'loading' | 'idle' | 'running' | 'done' | 'stopped' | 'error';
  model?: string;
  backend?: string;
  describe?: string;
  seed?: number;
  history: EpochRecord[];
  test?: TestResult;
  evaluation?: TestResult & { file: string; model: string };
  error?: string;
  /** The trained network's parameters as .npz bytes (what "Download" saves). */
  npz(): number[];
  /** Evaluates .npz bytes on the test images, as the upload button does. */
  evaluate(bytes: number[], name: string): Promise<TestResult>;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = $<HTMLFormElement>('settings');
const statusLine = $<HTMLParagraphElement>('status');
const logBox = $<HTMLPreElement>('log');
const field = (name: string) => form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;

let data: (TrainData & { test: DataSplit; source: string }) | undefined;
let network: L.Layer | undefined;
let modelName = 'mlp';
let controller: AbortController | undefined;

const demo: DemoState = {
  state: 'loading',
  history: [],
  npz: () => {
    if (!network) throw new Error('no trained network yet: train first.');
    return Array.from(L.encodeParams(network));
  },
  evaluate: (bytes, name) => evaluateNpz(Uint8Array.from(bytes), name),
};
(window as unknown as { lasagneDemo: DemoState }).lasagneDemo = demo;

function status(text: string, error = false): void {
  statusLine.textContent = text;
  statusLine.classList.toggle('error', error);
}
function log(line: string): void {
  logBox.textContent += `${line}\n`;
  logBox.scrollTop = logBox.scrollHeight;
}
function fail(e: unknown): void {
  const msg = (e as Error)?.message ?? String(e);
  demo.state = 'error';
  demo.error = msg;
  status(`Error: ${msg}`, true);
  console.error(e);
}

/** The MODEL string the form describes (mnist.py's syntax). */
function modelFromForm(): string {
  const kind = (form.querySelector('input[name=model]:checked') as HTMLInputElement).value;
  if (kind !== 'custom_mlp') return kind;
  return formatModelSpec(parseModelSpec(`custom_mlp:${field('depth').value},${field('width').value},${field('dropInput').value},${field('dropHidden').value}`));
}

function integer(name: string, min: number): number {
  const v = Number(field(name).value);
  if (!Number.isInteger(v) || v < min) throw new Error(`${name}: expected an integer >= ${min}, got '${field(name).value}'.`);
  return v;
}

function drawCurves(history: readonly EpochRecord[], epochs: number): void {
  drawChart($('loss'), 'loss', [
    { label: 'training', color: '#b3501b', values: history.map((r) => r.trainLoss) },
    { label: 'validation', color: '#1b6cb3', values: history.map((r) => r.valLoss) },
  ], { epochs });
  drawChart($('accuracy'), 'accuracy', [
    { label: 'training (dropout)', color: '#b3501b', values: history.map((r) => r.trainAccuracy), dashed: true },
    { label: 'validation', color: '#1b6cb3', values: history.map((r) => r.valAccuracy) },
  ], { epochs, percent: true });
}

/**
 * Reads the parameters to the host without blocking (`cacheOnHost`, where the build has it), so
 * that `get()`, `encodeParams` and drawing work on webgpu too, whose values live on the device.
 */
async function onHost(net: L.Layer, which: 'first' | 'all' = 'all'): Promise<void> {
  const params = L.getAllParams(net);
  await Promise.all((which === 'first' ? params.slice(0, 1) : params).map((p) => (p as unknown as { cacheOnHost?: () => Promise<void> }).cacheOnHost?.()));
}

async function drawFirstLayer(net: L.Layer): Promise<void> {
  const figure = $('filters-figure');
  await onHost(net, 'first');
  const W = L.getAllParams(net)[0]?.get();
  const conv = W && W.shape.length === 4;
  figure.hidden = !conv;
  if (conv) drawFilters($('filters'), W.data, W.shape);
}

/** Whether compiled functions can run asynchronously (`fn.async`): WebGPU can only be read so in a browser. */
function asyncExecution(): boolean {
  const x = tensor4('probe');
  const fn = compile([x], x);
  const ok = typeof (fn as unknown as { async?: unknown }).async === 'function';
  fn.dispose();
  return ok;
}

/** Calls a compiled function asynchronously where that exists (needed on webgpu), else synchronously. */
async function call(fn: CompiledFunction<number[]>, ...args: Parameters<CompiledFunction<number[]>>): Promise<number[]> {
  const a = (fn as unknown as { async?: (...x: unknown[]) => Promise<number[]> }).async;
  return a ? a.apply(fn, args) : fn(...args);
}

async function useBackend(name: string): Promise<void> {
  status(`Starting the ${name} backend…`);
  await setBackend(name);
  if (getBackend() === 'webgpu' && !asyncExecution()) {
    const why = "WebGPU results can only be read asynchronously in a browser, and this build's compiled functions have no fn.async";
    if (name === 'webgpu') throw new Error(`${why}; pick webgl or wasm.`);
    log(`webgpu skipped: ${why}.`);
    await setBackend('webgl').catch(() => setBackend('wasm'));
  }
  demo.backend = getBackend();
  demo.describe = describeBackend();
}

async function run(): Promise<void> {
  if (!data) return;
  const model = modelFromForm();
  const epochs = integer('epochs', 1);
  const batchSize = integer('batch', 1);
  const seed = integer('seed', 0);
  const subset: TrainData = { train: firstItems(data.train, integer('train', 1)), val: firstItems(data.val, integer('val', 1)), test: data.test };
  controller = new AbortController();
  Object.assign(demo, { state: 'running', model, seed, history: [], test: undefined, error: undefined });
  $<HTMLButtonElement>('start').disabled = true;
  $<HTMLButtonElement>('stop').disabled = false;
  $<HTMLButtonElement>('download').disabled = true;
  logBox.textContent = '';
  drawCurves([], epochs);
  try {
    await useBackend(field('backend').value);
    log(`Using backend: ${demo.describe}`);
    log(`Model ${model}, ${subset.train.count} training / ${subset.val.count} validation images, batches of ${batchSize}, seed ${seed}`);
    const t0 = performance.now();
    let live: L.Layer | undefined; // the network being trained, for the filters after each epoch
    const result = await train({
      network: (inputVar) => (live = modelBuilder(model)(inputVar)),
      data: subset,
      epochs,
      batchSize,
      seed,
      signal: controller.signal,
      log,
      onStart: () => status(`Training ${model} on ${demo.describe}…`),
      onBatch: (b) => status(`Epoch ${b.epoch} of ${b.epochs}: batch ${b.batch} of ${b.batches}, loss ${b.runningLoss.toFixed(4)} (${demo.describe})`),
      onEpoch: async (r) => {
        demo.history.push(r);
        drawCurves(demo.history, epochs);
        if (live) await drawFirstLayer(live);
      },
      onTest: (t) => (demo.test = t),
    });
    network = result.network;
    modelName = model;
    await onHost(network);
    await drawFirstLayer(network);
    $<HTMLButtonElement>('download').disabled = false;
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    if (result.interrupted) {
      demo.state = 'stopped';
      status(`Stopped after ${result.epochsDone} epoch(s) (${secs} s).`);
    } else {
      demo.state = 'done';
      status(`Done in ${secs} s on ${demo.describe}: validation accuracy ${(100 * demo.history[demo.history.length - 1].valAccuracy).toFixed(2)} %, test accuracy ${(100 * (demo.test?.accuracy ?? 0)).toFixed(2)} %.`);
    }
  } catch (e) {
    fail(e);
  } finally {
    $<HTMLButtonElement>('start').disabled = false;
    $<HTMLButtonElement>('stop').disabled = true;
  }
}

/** Loads .npz (or safetensors) bytes into the network they fit and evaluates it on the test images. */
async function evaluateNpz(bytes: Uint8Array, name: string): Promise<TestResult> {
  if (!data) throw new Error('the MNIST subset is not loaded yet.');
  const arrays = L.decodeParams(bytes, { where: name });
  const model = modelFromParamShapes(arrays.map((a) => a.shape));
  if (!model) throw new Error(`${name}: its ${arrays.length} arrays (${arrays.map((a) => `[${a.shape.join(',')}]`).join(' ')}) fit none of mnist.py's networks (mlp, custom_mlp, cnn).`);
  if (!getBackend()) await useBackend(field('backend').value);
  const inputVar = tensor4('inputs');
  const targetVar = ivector('targets');
  const net = modelBuilder(model)(inputVar);
  L.loadParamsFromBytes(net, bytes, { where: name });
  const prediction = L.getOutput(net, { deterministic: true });
  const valFn = compile([inputVar, targetVar], [mean(categoricalCrossentropy(prediction, targetVar)), mean(eq(argmax(prediction, 1), targetVar), 'float32')]) as CompiledFunction<number[]>;
  let loss = 0;
  let acc = 0;
  let batches = 0;
  for (const b of iterateMinibatches(data.test, data.test.labels, 500, false)) {
    const [l, a] = await call(valFn, { data: b.inputs, shape: [b.size, 1, 28, 28] }, b.targets);
    loss += l;
    acc += a;
    batches++;
    await new Promise((r) => setTimeout(r, 0));
  }
  valFn.dispose();
  const result = { loss: loss / batches, accuracy: acc / batches, batches };
  demo.evaluation = { ...result, file: name, model };
  await drawFirstLayer(net);
  return result;
}

function download(): void {
  if (!network) return;
  const blob = new Blob([L.encodeParams(network) as BlobPart], { type: 'application/octet-stream' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = `${modelName.replace(/[:,]/g, '_')}.npz`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

function fillFromUrl(): boolean {
  const q = new URLSearchParams(location.search);
  for (const [k, v] of q) {
    if (k === 'model') {
      const kind = v.split(':')[0];
      const radio = form.querySelector(`input[name=model][value="${kind}"]`) as HTMLInputElement | null;
      if (radio) radio.checked = true;
      if (kind === 'custom_mlp' && v.includes(':')) {
        const [d, w, di, dh] = v.slice('custom_mlp:'.length).split(',');
        Object.entries({ depth: d, width: w, dropInput: di, dropHidden: dh }).forEach(([n, x]) => x !== undefined && (field(n).value = x));
      }
    } else if (form.elements.namedItem(k) && k !== 'model') {
      const el = field(k);
      if (el instanceof HTMLSelectElement && ![...el.options].some((o) => o.value === v)) el.add(new Option(v, v));
      el.value = v;
    }
  }
  return q.get('autostart') === '1';
}

async function init(): Promise<void> {
  setWasmPaths(new URL('./', location.href).href);
  const autostart = fillFromUrl();
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void run();
  });
  $('stop').addEventListener('click', () => controller?.abort());
  $('download').addEventListener('click', download);
  $<HTMLInputElement>('upload').addEventListener('change', async (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (!file) return;
    try {
      status(`Evaluating ${file.name}…`);
      const r = await evaluateNpz(new Uint8Array(await file.arrayBuffer()), file.name);
      status(`${file.name} (${demo.evaluation?.model}): test loss ${r.loss.toFixed(6)}, test accuracy ${(100 * r.accuracy).toFixed(2)} % on ${data?.test.count} images (${describeBackend()}).`);
    } catch (err) {
      fail(err);
    }
  });
  drawCurves([], Number(field('epochs').value) || 5);
  const res = await fetch('mnist-subset.bin');
  if (!res.ok) throw new Error(`mnist-subset.bin: HTTP ${res.status}; serve the page with \`pnpm web\`.`);
  data = decodeMnistSubset(new Uint8Array(await res.arrayBuffer()));
  $('source').textContent = data.source;
  (field('train') as HTMLSelectElement).querySelectorAll('option').forEach((o) => (o.disabled = Number(o.value) > data!.train.count));
  demo.state = 'idle';
  status(`Ready: ${data.train.count} training, ${data.val.count} validation and ${data.test.count} test images loaded. Pick a model and press Train.`);
  if (autostart) await run();
}

init().catch(fail);

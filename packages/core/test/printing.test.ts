import { mkdtempSync, readdirSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { compile, debugprint, DEFAULT_REWRITES, exp, formatProfile, GraphError, log, matrix, relu, renderGraph, shared, softmax, sum, toDot, vector, type ProfileData } from '@lasagne-ts/core';
import { call, onWebgpu } from './calls';

describe('debugprint', () => {
  test("prints Theano's layout: ids, a shared subexpression once, names, dtypes and static shapes", () => {
    const x = vector('x');
    const W = shared(Float32Array.of(1, 2, 3), { name: 'W' });
    const e = exp(x);
    const y = e.mul(W).add(e);
    y.name = 'y';
    // Written by hand from the expression above.
    expect(debugprint(y)).toBe(
      [
        "Add [id A] 'y' <float32, (3,)>",
        ' |Mul [id B] <float32, (3,)>',
        ' | |Exp [id C] <float32, (None,)>',
        ' | | |x [id D] <float32, (None,)>',
        ' | |W [id E] <float32, (3,)>',
        ' |Exp [id C] <float32, (None,)>',
      ].join('\n'),
    );
  });

  test("the doc comment's and README's example prints what they say", () => {
    const x = vector('x');
    expect(debugprint(x.mul(2).add(x))).toBe(
      ['Add [id A] <float32, (None,)>', ' |Mul [id B] <float32, (None,)>', ' | |x [id C] <float32, (None,)>', ' | |Constant{2.0} [id D] <float32, ()>', ' |x [id C] <float32, (None,)>'].join('\n'),
    );
  });

  test('prints op parameters and constants; printShapes: false and depth cut the output', () => {
    const m = matrix('m');
    const y = m.dimshuffle(1, 'x', 0).mul(2).sum();
    expect(debugprint(y, { printShapes: false })).toBe(
      ['Sum{axis=(0,1,2), keepdims=false} [id A]', ' |Mul [id B]', '   |DimShuffle{1,x,0} [id C]', '   | |m [id D]', '   |Constant{2.0} [id E]'].join('\n'),
    );
    expect(debugprint(y, { printShapes: false, depth: 2 })).toBe(['Sum{axis=(0,1,2), keepdims=false} [id A]', ' |Mul [id B]'].join('\n'));
    expect(debugprint([m, y], { printShapes: false, depth: 1 })).toBe(['m [id A]', 'Sum{axis=(0,1,2), keepdims=false} [id B]'].join('\n'));
  });

  test('a compiled function prints the rewritten graph with execution order, then its updates', () => {
    const x = vector('x');
    const W = shared(Float32Array.of(1, 2), { name: 'W' });
    const out = x.mul(W).sum();
    const fn = compile([x], out, { updates: [[W, W.sub(x.mul(W))]] });
    // x*W is computed once (merge); on wasm and cpu the update's subtraction is fused with it
    // (fuseElemwise): one Composite node with two outputs, the sum reading the first, the update
    // the second. Other backends run the graph unfused (below).
    if (!onWebgpu()) expect(debugprint(fn)).toBe(
      [
        'Sum{axis=(0,), keepdims=false} [id A] <float32, ()>  1',
        ' |Composite{(i0 * i1), (i1 - (i0 * i1))}.0 [id B] <float32, (2,)>  0',
        '   |x [id C] <float32, (None,)>',
        '   |W [id D] <float32, (2,)>',
        'W [id D] <- Composite{(i0 * i1), (i1 - (i0 * i1))}.1 [id B] <float32, (2,)>  0',
      ].join('\n'),
    );
    const unfused = compile([x], out, { updates: [[W, W.sub(x.mul(W))]], rewrites: DEFAULT_REWRITES.filter((r) => r !== 'fuseElemwise') });
    expect(debugprint(unfused)).toBe(
      [
        'Sum{axis=(0,), keepdims=false} [id A] <float32, ()>  1',
        ' |Mul [id B] <float32, (2,)>  0',
        '   |x [id C] <float32, (None,)>',
        '   |W [id D] <float32, (2,)>',
        'W [id D] <- Sub [id E] <float32, (2,)>  2',
        ' |W [id D] <float32, (2,)>',
        ' |Mul [id B] <float32, (2,)>  0',
      ].join('\n'),
    );
  });

  test("compile's rewrites show: log(z) with z given as softmax(y) prints as LogSoftmax, merged nodes print once", () => {
    const y = matrix('y');
    const z = matrix('z');
    const expr = log(z);
    expect(debugprint(expr, { printShapes: false })).toBe(['Log [id A]', ' |z [id B]'].join('\n'));
    const fn = compile([y], expr, { givens: [[z, softmax(y)]] });
    expect(debugprint(fn, { printShapes: false })).toBe(['LogSoftmax{axis=1} [id A]  0', ' |y [id B]'].join('\n'));

    const x = vector('x');
    const twice = exp(x).add(exp(x));
    expect(debugprint(twice, { printShapes: false })).toBe(['Add [id A]', ' |Exp [id B]', ' | |x [id C]', ' |Exp [id D]', '   |x [id C]'].join('\n'));
    expect(debugprint(compile([x], twice), { printShapes: false })).toBe(['Add [id A]  1', ' |Exp [id B]  0', ' | |x [id C]', ' |Exp [id B]  0'].join('\n'));
  });

  test('ids go on past Z as Theano counts them (Z, BA, BB)', () => {
    let y = vector('x');
    for (let i = 0; i < 27; i++) y = exp(y);
    const lines = debugprint(y, { printShapes: false }).split('\n');
    expect(lines[25]).toMatch(/\[id Z\]$/);
    expect(lines[26]).toMatch(/\[id BA\]$/);
    expect(lines[27]).toMatch(/^ +\|x \[id BB\]$/);
  });

  test('rejects what is not a graph, and bad options', () => {
    expect(() => debugprint((() => 1) as never)).toThrow(/expected an expression, an array of expressions or a compiled function/);
    expect(() => debugprint([vector('x'), 3] as never)).toThrow(GraphError);
    expect(() => debugprint(vector('x'), { depth: 0 })).toThrow(/depth/);
  });
});

describe('toDot and renderGraph', () => {
  const trainFn = () => {
    const x = matrix('x');
    const W = shared(new Float32Array(6).fill(0.5), { name: 'W', shape: [3, 2] });
    const loss = softmax(x.dot(W)).sum();
    loss.name = 'loss';
    return compile([x], loss, { updates: [[W, W.mul(0.9)]], name: 'train' });
  };

  test('DOT has a node per input, shared variable, constant, op, output and update, coloured by kind, edges labelled with shapes', () => {
    const dot = toDot(trainFn());
    expect(dot.startsWith('digraph "train" {')).toBe(true);
    expect(dot).toMatch(/v\d+ \[label="x\\nfloat32 \(None, None\)", shape=ellipse, fillcolor="#a6d96a"\]/);
    expect(dot).toMatch(/v\d+ \[label="W\\nfloat32 \(3, 2\)", shape=ellipse, fillcolor="#fee08b"\]/);
    expect(dot).toMatch(/\[label="Constant\{0.9\}", shape=ellipse, fillcolor="#eeeeee"/);
    expect(dot).toMatch(/\[label="MatMul\\n\{transA=false,\\ntransB=false\}\\n#0", shape=box/);
    expect(dot).toMatch(/out0 \[label="output 0 'loss'"/);
    expect(dot).toMatch(/upd0 \[label="update W"/);
    expect(dot).toMatch(/-> a\d+ \[label="0: \(None, None\)"\]/);
    expect(dot).toMatch(/-> out0 \[label="\(\)"\]/);
  });

  test('the DOT parses: Graphviz (WebAssembly) renders it to an SVG with every node', async () => {
    const fn = trainFn();
    const svg = await renderGraph(fn);
    expect(svg).toContain('<svg');
    const titles = [...svg.matchAll(/<title>([^<]*)<\/title>/g)].map((m) => m[1]);
    const nodes = [...toDot(fn).matchAll(/^ {2}(\w+) \[label=/gm)].map((m) => m[1]);
    for (const n of nodes) expect(titles).toContain(n);
    // and a broken DOT would not have rendered:
    const { dotToSvg } = await import('../src/printing/render');
    await expect(dotToSvg('digraph { a -> }')).rejects.toThrow(/Graphviz could not render/);
  });

  test('renderGraph writes .svg (picture) and .dot (text) files; other names are refused before anything is written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lasagne-graph-'));
    const fn = trainFn();
    const svg = await renderGraph(fn, join(dir, 'train.svg'));
    expect(readFileSync(join(dir, 'train.svg'), 'utf8')).toBe(svg);
    await renderGraph(fn, join(dir, 'train.dot'));
    expect(readFileSync(join(dir, 'train.dot'), 'utf8')).toBe(toDot(fn));
    await expect(renderGraph(fn, join(dir, 'train.png'))).rejects.toThrow(/ending in \.svg .* or \.dot/);
    await expect(renderGraph(fn, join(dir, 'missing', 'train.svg'))).rejects.toThrow(/cannot write the graph .*missing.train\.svg: the directory .*missing does not exist/);
    expect(readdirSync(dir).sort()).toEqual(['train.dot', 'train.svg']);
  });
});

describe('formatProfile', () => {
  /** The numbers of the table's rows between a header line and the next blank line. */
  const rowsOf = (text: string, header: string) => {
    const lines = text.split('\n');
    const start = lines.findIndex((l) => l.startsWith('<% time>') && l.includes(header)) + 1;
    const end = lines.findIndex((l, i) => i >= start && (l === '' || l.startsWith('   ...')));
    return lines.slice(start, end === -1 ? undefined : end).map((l) => l.trim().split(/\s+/));
  };

  test("Theano's per-op table: shares sum to 100 within rounding, calls and applies counted, sorted by time", async () => {
    const x = matrix('x');
    const W = shared(new Float32Array(64 * 64).fill(0.01), { name: 'W', shape: [64, 64] });
    const h = relu(relu(x.dot(W)).dot(W));
    const fn = compile([x], sum(exp(h.mul(-1))), { profile: true, name: 'mlp' });
    for (let i = 0; i < 3; i++) await call(fn, { data: new Float32Array(32 * 64).fill(1), shape: [32, 64] });
    const text = formatProfile(fn);
    expect(text).toMatch(/^Function profiling\n==================\n {2}Message: mlp\n {2}Time in 3 calls to the function: \d+\.\d{3}s/);
    const rows = rowsOf(text, '<Op name>');
    const byName = Object.fromEntries(rows.map((r) => [r[r.length - 1], r]));
    expect(byName.MatMul[4]).toBe('6'); // 2 nodes x 3 calls
    expect(byName.MatMul[5]).toBe('2');
    // on wasm and cpu the second relu is fused with the multiplication by -1
    expect(byName.Relu[5]).toBe(onWebgpu() ? '2' : '1');
    if (!onWebgpu()) expect(byName.Composite[5]).toBe('1');
    const shares = rows.map((r) => parseFloat(r[0]));
    const total = shares.reduce((a, b) => a + b, 0);
    expect(Math.abs(total - 100)).toBeLessThanOrEqual(0.05 * rows.length + 1e-9);
    expect(parseFloat(rows[rows.length - 1][1])).toBeCloseTo(100, 0);
    const times = rows.map((r) => parseFloat(r[2]));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    // the Apply section lists every node once here (fewer than 10)
    expect(rowsOf(text, '<Apply>').length).toBe(fn.profile().nodes.length);
    expect(fn.profile().calls).toBe(3);
    expect(fn.profile().wallMs).toBeGreaterThanOrEqual(fn.profile().nodes.reduce((a, n) => a + n.ms, 0));
  });

  test('an <impl> column appears when ops report which lowering ran; data without calls says so', () => {
    const data: ProfileData = {
      calls: 2,
      wallMs: 10,
      ops: { Conv2D: { ms: 6, calls: 2 }, Add: { ms: 2, calls: 2 } },
      nodes: [
        { step: 0, op: 'Conv2D', label: 'Conv2D{...}', impl: 'xnnpack', ms: 6, calls: 2 },
        { step: 1, op: 'Add', label: 'Add', ms: 2, calls: 2 },
      ],
    };
    const text = formatProfile(data, { message: 'synthetic' });
    expect(text).toContain('  Time in ops: 0.008s (80.0% of the calls\' wall time');
    expect(rowsOf(text, '<Op name>')).toEqual([
      ['75.0%', '75.0%', '0.006s', '3.00e-3s', '2', '1', 'xnnpack', 'Conv2D'],
      ['25.0%', '100.0%', '0.002s', '1.00e-3s', '2', '1', '-', 'Add'],
    ]);
    expect(formatProfile({ calls: 0, wallMs: 0, ops: {}, nodes: [] })).toContain('No calls yet');
  });

  test('fn.profiling turns profiling off (keeping the data) and on again', async () => {
    const x = vector('x');
    const fn = compile([x], exp(x).sum(), { profile: true });
    await call(fn, [1, 2]);
    fn.profiling = false;
    await call(fn, [1, 2]);
    expect(fn.profiling).toBe(false);
    expect(fn.profile().calls).toBe(1);
    expect(fn.profile().nodes.every((n) => n.calls === 1)).toBe(true);
    expect(formatProfile(fn)).toContain('Time in 1 call to the function');
    fn.profiling = true;
    await call(fn, [1, 2]);
    expect(fn.profile().calls).toBe(2);
    const late = compile([x], x.sum());
    late.profiling = true;
    await call(late, [1]);
    expect(late.profile().ops.Sum).toEqual({ ms: expect.any(Number), calls: 1 });
  });

  test('a function compiled without profiling is refused with what to do', () => {
    const x = vector('x');
    const fn = compile([x], x.sum(), { name: 'plain', profile: false });
    expect(() => formatProfile(fn)).toThrow(/'plain' was compiled without profiling; compile it with \{profile: true\}/);
  });
});

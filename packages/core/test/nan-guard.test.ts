/**
 * compile(..., {nanGuard: true}): Theano's NanGuardMode. The first op of a call producing NaN or
 * Inf is named with its inputs' run-time shapes; arguments already holding one are reported as
 * inputs; nothing leaks when the guard stops a call.
 */
import { compile, grad, log, matrix, mean, NanGuardError, OptionsError, shared, sqrt, tf, vector } from '../src';
import { call } from './calls';

const caught = async (f: () => unknown): Promise<NanGuardError> => {
  try {
    await f();
  } catch (e) {
    return e as NanGuardError;
  }
  throw new Error('expected a NanGuardError');
};

describe('nanGuard', () => {
  test('names the first op producing NaN, with its inputs shapes; later ops are not blamed', async () => {
    const x = vector('x');
    const y = log(sqrt(x)); // sqrt(-1) = NaN first; log(NaN) would be NaN too
    const f = compile([x], y, { nanGuard: true, name: 'f' });
    const e = await caught(async () => await call(f, [4, -1, 9]));
    expect(e).toBeInstanceOf(NanGuardError);
    expect(e.op).toBe(f.graph.steps[e.step].op.name);
    expect(e.message).toMatch(new RegExp(`^compiled function 'f': nanGuard: ${e.op} \\(step ${e.step + 1} of ${f.ops.length}\\) produced NaN \\(1 of 3 values\\) in its output 0 of shape \\(3,\\); its inputs: float32 \\(3,\\) 'x'\\.`));
    expect(e.op).toMatch(/Sqrt/i);
    expect(e.kind).toBe('NaN');
    expect(e.inputShapes).toEqual([[3]]);
    // Without the guard the same call just returns NaN.
    expect(Number.isNaN((await call(compile([x], y), [4, -1, 9]) as { data: Float32Array }).data[1])).toBe(true);
  });

  test('Inf from a division by zero; {inf: false} lets it through; the arguments are checked first', async () => {
    const a = vector('a');
    const b = vector('b');
    const q = a.div(b);
    const e = await caught(async () => await call(compile([a, b], q, { nanGuard: true }), [1, 2], [1, 0]));
    expect(e.kind).toBe('Inf');
    expect(e.message).toMatch(/produced Inf \(1 of 2 values\) in its output 0 of shape \(2,\); its inputs: float32 \(2,\) 'a', float32 \(2,\) 'b'\./);
    const out = await call(compile([a, b], q, { nanGuard: { inf: false } }), [1, 2], [1, 0]) as { data: Float32Array };
    expect(out.data[1]).toBe(Infinity);
    const inp = await caught(async () => await call(compile([a, b], q, { nanGuard: true }), [NaN, 2], [1, 1]));
    expect(inp.op).toBe('input');
    expect(inp.message).toBe("compiled function: nanGuard: the input 'a' (shape (2,)) holds NaN (1 of 2 values) before any op ran.");
    expect(() => compile([a, b], q, { nanGuard: 'yes' as never })).toThrow(OptionsError);
  });

  test('a diverging training step is stopped at the op that overflows; no tensor leaks; profiling still works', async () => {
    const x = matrix('x');
    const W = shared([[1e30, -1e30], [1e30, 1e30]], { name: 'W' });
    const h = x.dot(W);
    const loss = mean(h.mul(h));
    const [g] = grad(loss, [W]);
    const step = compile([x], loss, { updates: [[W, W.sub(g.mul(1e10))]], nanGuard: true, profile: true });
    await caught(async () => await call(step, [[1e10, 1e10]])); // the first call uploads the constants (kept until dispose)
    const before = tf.memory().numTensors;
    const e = await caught(async () => await call(step, [[1e10, 1e10]]));
    expect(e).toBeInstanceOf(NanGuardError);
    expect(e.message).toMatch(/nanGuard: \S+ \(step \d+ of \d+\) produced (NaN|Inf)/);
    expect(tf.memory().numTensors).toBe(before);
    expect(step.profile().calls).toBeGreaterThanOrEqual(0);
  });
});

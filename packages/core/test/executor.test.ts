/** The compile pipeline's pieces: build, rewrite (maker), executor step by step, the dtype assertion. */
import { compile, Op, tf, vector, type SymbolicTensor, type TensorType, type Tensor } from '@lasagne-ts/core';
import { buildFunctionGraph } from '../src/compile/build';
import { FunctionRunner } from '../src/compile/callable';
import { execute, type NodeEvent } from '../src/compile/executor';
import { makeProgram } from '../src/compile/maker';
import { call, itNotOnWebgpu } from './calls';

/** The synchronous executor's own API: its output reads are what webgpu refuses by design (fn.async's executeAsync runs every converted suite there). */
const itSyncExecutor = itNotOnWebgpu('drives the synchronous executor (runStep/execute, then finish reads the outputs synchronously)');

/** Declares float32 but returns int32: the kind of op the assertion exists to find. */
class WrongDType extends Op {
  readonly name = 'WrongDType';
  inferTypes(inputs: readonly SymbolicTensor[]): TensorType[] {
    return [{ dtype: 'float32', shape: inputs[0].shape }];
  }
  perform([x]: Tensor[]): Tensor[] {
    return [tf.cast(x, 'int32')];
  }
}

describe('executor', () => {
  itSyncExecutor('profiling reads no node output back on cpu (its kernels have finished when they return; a read is a full copy)', () => {
    const x = vector('x');
    const y = x.mul(2).add(1).exp().sum();
    const reads = (profile: boolean) => {
      const fn = compile([x], y, { profile, rewrites: false });
      fn([0, 1, 2]);
      const spy = jest.spyOn(tf.Tensor.prototype, 'dataSync');
      try {
        fn([0, 1, 2]);
        return spy.mock.calls.length;
      } finally {
        spy.mockRestore();
      }
    };
    expect(reads(true)).toBe(reads(false));
  });

  itSyncExecutor('runs a program node by node, reporting each node to the hook, and frees intermediates', () => {
    const x = vector('x');
    const y = x.mul(2).add(1).exp();
    const program = makeProgram(buildFunctionGraph([x], y, {}), { rewrites: false }, tf.getBackend());
    const runner = new FunctionRunner(program, {});
    const before = tf.memory().numTensors;
    const run = runner.start([[0, 1]]);
    const events: NodeEvent[] = [];
    while (!run.done) {
      const i = run.next;
      const outs = run.runStep();
      events.push({ index: i, node: program.plan.steps[i], ms: 0, outputs: outs });
      run.store(outs);
    }
    const out = runner.finish(run) as { data: Float32Array };
    run.dispose();
    runner.dispose(); // the uploaded constants 2 and 1
    expect(Array.from(out.data)).toEqual([Math.exp(1), Math.exp(3)].map(Math.fround));
    expect(events.map((e) => e.node.op.name)).toEqual(program.plan.steps.map((s) => s.op.name));
    expect(tf.memory().numTensors).toBe(before);
  });

  itSyncExecutor('execute() calls the profiling hook once per node with its time', () => {
    const x = vector('x');
    const program = makeProgram(buildFunctionGraph([x], x.mul(3).sum(), {}), {}, tf.getBackend());
    const runner = new FunctionRunner(program, {});
    const run = runner.start([[1, 2]]);
    const seen: NodeEvent[] = [];
    execute(run, (e) => seen.push(e));
    expect(runner.finish(run)).toBeCloseTo(9);
    run.dispose();
    expect(seen.map((e) => e.index)).toEqual(program.plan.steps.map((_, i) => i));
    expect(seen.every((e) => e.ms >= 0 && e.outputs.length === e.node.outputs.length)).toBe(true);
  });

  it('an op returning another dtype than it declares fails under LASAGNE_ASSERT (tests) and is cast otherwise', async () => {
    const x = vector('x');
    const f = compile([x], new WrongDType().make1(x), { rewrites: false });
    await expect(call(f, [1.5, 2])).rejects.toThrow(/WrongDType: perform returned int32 where inferTypes says float32/);
    const saved = process.env.LASAGNE_ASSERT;
    try {
      delete process.env.LASAGNE_ASSERT;
      const out = await call(f, [1.5, 2]) as { dtype: string; data: Float32Array };
      expect(out.dtype).toBe('float32');
      expect(Array.from(out.data)).toEqual([1, 2]);
    } finally {
      process.env.LASAGNE_ASSERT = saved;
    }
  });
});

// Type tests for compile's overloads: checked by `tsc -p packages/core/test/types` (run by
// packages/core/test/compile-types.test.ts). Every `@ts-expect-error` line must fail to compile,
// so a type that became too loose again (e.g. `any`) breaks the check.
import { compile, HostTensor, matrix, scalar, vector, type CompiledFunction, type Tensor } from '../../src';

const x = matrix('x');
const y = vector('y');
const cost = x.sum();

// One output: a number (scalar) or a HostTensor.
const one = compile([x], cost);
const r1 = one([[1, 2]]);
const asUnion: number | HostTensor = r1;
// @ts-expect-error not `any`: a property that does not exist is an error
void r1.definitely.not.there;
// @ts-expect-error it may be a HostTensor, so it is not known to be a number
const notNumber: number = r1;
// @ts-expect-error nor a string
const notString: string = r1;

// A tuple of outputs: a tuple of the same length.
const two = compile([x, y], [cost, y.mul(2)]);
const [a, b] = two([[1]], [2]);
const pair: [number | HostTensor, number | HostTensor] = two([[1]], [2]);
// @ts-expect-error there is no third output
void two([[1]], [2])[2];
// @ts-expect-error elements are not numbers
const firstIsNumber: number = a;

// A list that is not a literal tuple: an array.
const outs = [cost, cost];
const many = compile([x], outs);
const list: (number | HostTensor)[] = many([[1]]);

// {outputs: 'device'}: backend tensors.
const dev = compile([x], cost, { outputs: 'device' });
const t: Tensor = dev([[1]]);
// @ts-expect-error a device output is not a number
const devNumber: number = dev([[1]]);
const devPair = compile([x], [cost, cost], { outputs: 'device' });
const [t1, t2]: [Tensor, Tensor] = devPair([[1]]);

// No outputs (only updates): an empty tuple.
const none = compile([scalar('s')], [], {});
const empty: [] = none(1);

// The function keeps its members.
const f: CompiledFunction<number | HostTensor> = one;
f.dispose();

void [asUnion, notNumber, notString, b, pair, firstIsNumber, list, t, devNumber, t1, t2, empty];

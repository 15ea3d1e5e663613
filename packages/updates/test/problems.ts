/** The small problems every rule is run on, built symbolically and mirrored in float64. */
import { compile, constant, log, matrix, mean, mul, neg, sigmoid, dot, shared, square, sub, sum, add, vector, type SharedVariable, type SymbolicTensor } from '@lasagne-ts/core';
import type { UpdateMap } from '../src';
import type { Vec } from './reference';
import { call } from '../../core/test/calls';

export interface Problem {
  name: string;
  /** Fresh shared parameters (in a fixed order) and the symbolic scalar loss over them. */
  build(): { params: SharedVariable[]; loss: SymbolicTensor; run(updates: UpdateMap): () => Promise<void> };
  /** Initial values, flattened, in the same order. */
  init(): Vec[];
  /** float64 gradient of the loss at `params`. */
  grads(params: Vec[]): Vec[];
}

// ---- a quadratic: Σ cA (A - dA)² + Σ cB B², with A a vector and B a matrix ----------------------
const A0 = [1, -0.5, 2];
const cA = [0.1, 0.2, 0.3];
const dA = [0.5, 0, -0.25];
const B0 = [0.3, -1.2, 0.7, 1.5];
const cB = [0.4, 0.05, 0.2, 0.6];

export const quadratic: Problem = {
  name: 'quadratic',
  build() {
    const A = shared(A0, { name: 'A' });
    const B = shared({ data: B0, shape: [2, 2] }, { name: 'B' });
    const loss = add(
      sum(mul(constant(cA, { dtype: 'float32' }), square(sub(A, constant(dA, { dtype: 'float32' }))))),
      sum(mul(constant({ data: cB, shape: [2, 2] }, { dtype: 'float32' }), square(B))),
    );
    return {
      params: [A, B],
      loss,
      run(updates) {
        const fn = compile([], loss, { updates });
        return async () => void (await call(fn));
      },
    };
  },
  init: () => [Float64Array.from(A0), Float64Array.from(B0)],
  grads: ([A, B]) => [A.map((a, i) => 2 * cA[i] * (a - dA[i])), B.map((b, i) => 2 * cB[i] * b)],
};

// ---- 2-parameter logistic regression: w (2,), b () ---------------------------------------------
const X = [[0.5, 1.2], [-1.0, 0.3], [1.5, -0.7], [0.2, 0.2], [-0.4, -1.1], [2.0, 0.9]];
const Y = [1, 0, 1, 0, 0, 1];
const w0 = [0.1, -0.2];
const b0 = 0.05;

export const logistic: Problem = {
  name: 'logistic regression',
  build() {
    const w = shared(w0, { name: 'w' });
    const b = shared(b0, { name: 'b', dtype: 'float32' });
    const x = matrix('x');
    const y = vector('y');
    const p = sigmoid(add(dot(x, w), b));
    // Lasagne's binary_crossentropy, written out: -(y log p + (1 - y) log(1 - p))
    const loss = mean(neg(add(mul(y, log(p)), mul(sub(1, y), log(sub(1, p))))));
    return {
      params: [w, b],
      loss,
      run(updates) {
        const fn = compile([x, y], loss, { updates });
        return async () => void (await call(fn, X, Y));
      },
    };
  },
  init: () => [Float64Array.from(w0), Float64Array.from([b0])],
  grads([w, b]) {
    const gw = new Float64Array(2);
    const gb = new Float64Array(1);
    X.forEach((row, n) => {
      const z = row[0] * w[0] + row[1] * w[1] + b[0];
      const r = 1 / (1 + Math.exp(-z)) - Y[n];
      gw[0] += (r * row[0]) / X.length;
      gw[1] += (r * row[1]) / X.length;
      gb[0] += r / X.length;
    });
    return [gw, gb];
  },
};

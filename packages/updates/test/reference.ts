/**
 * Independent float64 implementations of Lasagne's update formulas (lasagne/updates.py), written
 * from the formulas alone (plain loops over Float64Arrays), to check the symbolic rules against.
 */
export type Vec = Float64Array;
export type RuleName = 'sgd' | 'momentum' | 'nesterov' | 'adagrad' | 'rmsprop' | 'adadelta' | 'adam' | 'adamax' | 'amsgrad';
export interface RefOptions {
  learningRate?: number;
  momentum?: number;
  rho?: number;
  epsilon?: number;
  beta1?: number;
  beta2?: number;
}

export const DEFAULTS: Record<RuleName, Required<Pick<RefOptions, 'learningRate'>> & RefOptions> = {
  sgd: { learningRate: NaN },
  momentum: { learningRate: NaN, momentum: 0.9 },
  nesterov: { learningRate: NaN, momentum: 0.9 },
  adagrad: { learningRate: 1.0, epsilon: 1e-6 },
  rmsprop: { learningRate: 1.0, rho: 0.9, epsilon: 1e-6 },
  adadelta: { learningRate: 1.0, rho: 0.95, epsilon: 1e-6 },
  adam: { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
  adamax: { learningRate: 0.002, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
  amsgrad: { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
};

/** A stateful float64 optimiser: `step(params, grads)` updates `params` in place. */
export function referenceRule(name: RuleName, options: RefOptions, sizes: number[]): { step(params: Vec[], grads: Vec[]): void; setLearningRate(lr: number): void } {
  const o = { ...DEFAULTS[name], ...options };
  let lr = o.learningRate;
  const zeros = () => sizes.map((n) => new Float64Array(n));
  const s1 = zeros();
  const s2 = zeros();
  const s3 = zeros();
  let t = 0;
  return {
    setLearningRate(v: number) {
      lr = v;
    },
    step(params: Vec[], grads: Vec[]) {
      t += 1;
      params.forEach((p, k) => {
        const g = grads[k];
        for (let i = 0; i < p.length; i++) {
          switch (name) {
            case 'sgd':
              p[i] -= lr * g[i];
              break;
            case 'momentum': {
              // v' = m v - lr g ; p' = p + v'
              s1[k][i] = o.momentum! * s1[k][i] - lr * g[i];
              p[i] += s1[k][i];
              break;
            }
            case 'nesterov': {
              // v' = m v - lr g ; p' = p + m v' - lr g
              s1[k][i] = o.momentum! * s1[k][i] - lr * g[i];
              p[i] += o.momentum! * s1[k][i] - lr * g[i];
              break;
            }
            case 'adagrad':
              s1[k][i] += g[i] * g[i];
              p[i] -= (lr * g[i]) / Math.sqrt(s1[k][i] + o.epsilon!);
              break;
            case 'rmsprop':
              s1[k][i] = o.rho! * s1[k][i] + (1 - o.rho!) * g[i] * g[i];
              p[i] -= (lr * g[i]) / Math.sqrt(s1[k][i] + o.epsilon!);
              break;
            case 'adadelta': {
              s1[k][i] = o.rho! * s1[k][i] + (1 - o.rho!) * g[i] * g[i];
              const u = (g[i] * Math.sqrt(s2[k][i] + o.epsilon!)) / Math.sqrt(s1[k][i] + o.epsilon!);
              p[i] -= lr * u;
              s2[k][i] = o.rho! * s2[k][i] + (1 - o.rho!) * u * u;
              break;
            }
            case 'adam':
            case 'amsgrad': {
              const aT = (lr * Math.sqrt(1 - o.beta2! ** t)) / (1 - o.beta1! ** t);
              s1[k][i] = o.beta1! * s1[k][i] + (1 - o.beta1!) * g[i];
              s2[k][i] = o.beta2! * s2[k][i] + (1 - o.beta2!) * g[i] * g[i];
              let denom = s2[k][i];
              if (name === 'amsgrad') {
                s3[k][i] = Math.max(s3[k][i], s2[k][i]);
                denom = s3[k][i];
              }
              p[i] -= (aT * s1[k][i]) / (Math.sqrt(denom) + o.epsilon!);
              break;
            }
            case 'adamax': {
              const aT = lr / (1 - o.beta1! ** t);
              s1[k][i] = o.beta1! * s1[k][i] + (1 - o.beta1!) * g[i];
              s2[k][i] = Math.max(o.beta2! * s2[k][i], Math.abs(g[i]));
              p[i] -= (aT * s1[k][i]) / (s2[k][i] + o.epsilon!);
              break;
            }
          }
        }
      });
    },
  };
}

/** max over elements of |a - b| / (|b| + atol/rtol) style check: true when |a-b| <= rtol*|b| + atol. */
export function worstRelative(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 0): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]) - atol;
    worst = Math.max(worst, err / Math.max(Math.abs(expected[i]), 1e-30));
  }
  return worst;
}

import { shared, type SharedVariable } from '@lasagne-ts/core';

/**
 * A state variable of an update rule (velocity, accumulator, moment): a shared variable of
 * zeros with the parameter's current value shape, dtype and static shape, as Lasagne's
 * `theano.shared(np.zeros(value.shape, dtype=value.dtype), broadcastable=param.broadcastable)`.
 */
export function zerosLike(param: SharedVariable, role: string): SharedVariable {
  const shape = param.getTensor().shape;
  const size = shape.reduce((a, b) => a * b, 1);
  const data = param.dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
  return shared({ data, shape }, { dtype: param.dtype, shape: param.shape, name: param.name ? `${param.name}.${role}` : undefined });
}

/** A float32 shared scalar holding 0 (Lasagne's `theano.shared(utils.floatX(0.))`, the time step of Adam & co). */
export function timeStep(rule: string): SharedVariable {
  return shared(0, { dtype: 'float32', name: `${rule}.t` });
}

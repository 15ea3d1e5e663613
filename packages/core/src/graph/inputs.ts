import { checkDType, type DType } from '../dtype';
import { InputVariable, type SymbolicTensor } from './node';

/** `T.tensor(dtype, shape, name)`: a symbolic input with a static shape (null = unknown size). */
export function tensor(dtype: DType, shape: readonly (number | null)[], name?: string): SymbolicTensor {
  return new InputVariable({ dtype: checkDType(dtype, 'tensor'), shape }, name);
}

const unknown = (rank: number) => Array.from({ length: rank }, () => null);
const maker = (dtype: DType, rank: number) => (name?: string) => new InputVariable({ dtype, shape: unknown(rank) }, name);

export const scalar = maker('float32', 0);
export const vector = maker('float32', 1);
export const matrix = maker('float32', 2);
export const tensor3 = maker('float32', 3);
export const tensor4 = maker('float32', 4);
export const iscalar = maker('int32', 0);
export const ivector = maker('int32', 1);
export const imatrix = maker('int32', 2);
export const itensor3 = maker('int32', 3);
export const itensor4 = maker('int32', 4);
export const bscalar = maker('bool', 0);
export const bvector = maker('bool', 1);
export const bmatrix = maker('bool', 2);
export const btensor3 = maker('bool', 3);
export const btensor4 = maker('bool', 4);

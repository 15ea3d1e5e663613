import { DTypeError } from './errors';

export type DType = 'float32' | 'int32' | 'bool';

export const DTYPES: readonly DType[] = ['bool', 'int32', 'float32'];

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2 };

/** The dtype two operands are upcast to (bool < int32 < float32), as NumPy/Theano would. */
export function upcast(...dtypes: DType[]): DType {
  return dtypes.reduce((a, b) => (RANK[a] >= RANK[b] ? a : b));
}

export function isFloat(d: DType): boolean {
  return d === 'float32';
}

export function isDType(d: unknown): d is DType {
  return d === 'float32' || d === 'int32' || d === 'bool';
}

export function checkDType(d: unknown, where: string): DType {
  if (d === 'float64') {
    // No tfjs backend has float64 kernels (cpu, wasm, webgl, webgpu and tensorflow compute in
    // float32), so there is no backend here that could honour the request.
    throw new DTypeError(`${where}: float64 is not supported by the tfjs backends (they compute in float32 only); use 'float32'.`);
  }
  if (!isDType(d)) {
    throw new DTypeError(`${where}: expected a dtype of 'float32', 'int32' or 'bool', received ${JSON.stringify(d)}.`);
  }
  return d;
}

/**
 * NumPy's `.npy` format (numpy/lib/format.py): magic `\x93NUMPY`, version, a little-endian header
 * length, a Python-literal header dict (`descr`, `fortran_order`, `shape`) padded with spaces
 * and a newline so the data starts at a multiple of 64, then the raw data.
 */
import { HostTensor, type DType } from '@lasagne-ts/core';
import { FormatError } from './format-error';
import { latin1, utf8 } from './text';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ALIGN = 64;
/** Spare room NumPy leaves after the dict so the shape can grow in place. */
const GROWTH_AXIS_MAX_DIGITS = 21;

const DESCR: Record<DType, string> = { float32: '<f4', int32: '<i4', bool: '|b1' };

function shapeRepr(shape: readonly number[]): string {
  if (shape.length === 0) return '()';
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(', ')})`;
}

/** Encodes a tensor as `.npy` bytes, exactly as `np.save` writes it (format 1.0, C order). */
export function encodeNpy(t: HostTensor): Uint8Array {
  const descr = DESCR[t.dtype];
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeRepr(t.shape)}, }`;
  if (t.shape.length > 0) dict += ' '.repeat(GROWTH_AXIS_MAX_DIGITS - String(t.shape[0]).length);
  let major = 1;
  let prefix = MAGIC.length + 2 + 2;
  let hlen = dict.length + 1;
  // As numpy's _wrap_header: 1 to 64 spaces, so the data starts at a multiple of 64.
  let pad = ALIGN - ((prefix + hlen) % ALIGN);
  if (hlen + pad > 0xffff) {
    major = 2;
    prefix = MAGIC.length + 2 + 4;
    pad = ALIGN - ((prefix + hlen) % ALIGN);
  }
  const header = dict + ' '.repeat(pad) + '\n';
  hlen = header.length;
  const itemSize = t.dtype === 'bool' ? 1 : 4;
  const out = new Uint8Array(prefix + hlen + t.size * itemSize);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  if (major === 1) view.setUint16(8, hlen, true);
  else view.setUint32(8, hlen, true);
  for (let i = 0; i < hlen; i++) out[prefix + i] = header.charCodeAt(i);
  const base = prefix + hlen;
  const d = t.data;
  if (t.dtype === 'float32') for (let i = 0; i < d.length; i++) view.setFloat32(base + 4 * i, d[i], true);
  else if (t.dtype === 'int32') for (let i = 0; i < d.length; i++) view.setInt32(base + 4 * i, d[i], true);
  else for (let i = 0; i < d.length; i++) out[base + i] = d[i] ? 1 : 0;
  return out;
}

interface Header {
  descr: string;
  fortran: boolean;
  shape: number[];
}

function parseHeader(text: string, where: string): Header {
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(text);
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text);
  const shape = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if (!descr || !fortran || !shape) throw new FormatError(`${where}: cannot parse the .npy header ${JSON.stringify(text.trim())} (structured dtypes are not supported).`);
  const dims = shape[1].split(',').map((s) => s.trim().replace(/L$/, '')).filter((s) => s.length > 0).map(Number);
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) throw new FormatError(`${where}: bad shape in the .npy header ${JSON.stringify(text.trim())}.`);
  return { descr: descr[1], fortran: fortran[1] === 'True', shape: dims };
}

/** Reverses the axes of a row-major array (a Fortran-order array read as C order, back to C order). */
function fortranToC<T extends Float32Array | Int32Array | Uint8Array>(data: T, shape: readonly number[]): T {
  const n = shape.length;
  if (n < 2) return data;
  const out = new (data.constructor as new (n: number) => T)(data.length);
  const strideF = shape.map((_, i) => shape.slice(0, i).reduce((a, b) => a * b, 1));
  const idx = new Array<number>(n).fill(0);
  for (let c = 0; c < data.length; c++) {
    let f = 0;
    for (let i = 0; i < n; i++) f += idx[i] * strideF[i];
    out[c] = data[f];
    for (let i = n - 1; i >= 0; i--) {
      if (++idx[i] < shape[i]) break;
      idx[i] = 0;
    }
  }
  return out;
}

/**
 * Decodes `.npy` bytes (versions 1–3). Floats ('f4', 'f8') become float32, integers
 * ('i1'–'i8', 'u1'–'u4') int32, 'b1' bool; either byte order; C or Fortran order.
 */
export function decodeNpy(bytes: Uint8Array, where = 'npy'): HostTensor {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new FormatError(`${where}: not a .npy file (bad magic).`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  if (major < 1 || major > 3) throw new FormatError(`${where}: unsupported .npy format version ${major}.${bytes[7]}.`);
  const prefix = major === 1 ? 10 : 12;
  const hlen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (prefix + hlen > bytes.length) throw new FormatError(`${where}: truncated .npy header.`);
  const head = bytes.subarray(prefix, prefix + hlen);
  const text = major === 3 ? utf8(head) : latin1(head);
  const h = parseHeader(text, where);
  const m = /^([<>|=])?([fiub])(\d+)$/.exec(h.descr);
  if (!m) throw new FormatError(`${where}: unsupported dtype '${h.descr}' (supported: float32/64, integers, bool).`);
  const [, order, kind, sizeStr] = m;
  const size = Number(sizeStr);
  const little = order !== '>';
  const n = h.shape.reduce((a, b) => a * b, 1);
  const base = prefix + hlen;
  if (base + n * size > bytes.length) throw new FormatError(`${where}: truncated data (${bytes.length - base} bytes for ${n} values of '${h.descr}').`);
  let data: Float32Array | Int32Array | Uint8Array;
  let dtype: DType;
  if (kind === 'f') {
    if (size !== 4 && size !== 8) throw new FormatError(`${where}: unsupported float dtype '${h.descr}' (float32 and float64 are supported).`);
    dtype = 'float32';
    data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = size === 4 ? view.getFloat32(base + 4 * i, little) : view.getFloat64(base + 8 * i, little);
  } else if (kind === 'b') {
    if (size !== 1) throw new FormatError(`${where}: unsupported bool dtype '${h.descr}'.`);
    dtype = 'bool';
    data = Uint8Array.from(bytes.subarray(base, base + n), (v) => (v ? 1 : 0));
  } else {
    if (![1, 2, 4, 8].includes(size)) throw new FormatError(`${where}: unsupported integer dtype '${h.descr}'.`);
    dtype = 'int32';
    data = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const off = base + size * i;
      let v: number;
      if (size === 1) v = kind === 'i' ? view.getInt8(off) : view.getUint8(off);
      else if (size === 2) v = kind === 'i' ? view.getInt16(off, little) : view.getUint16(off, little);
      else if (size === 4) v = kind === 'i' ? view.getInt32(off, little) : view.getUint32(off, little);
      else v = Number(kind === 'i' ? view.getBigInt64(off, little) : view.getBigUint64(off, little));
      if (v > 2147483647 || v < -2147483648) throw new FormatError(`${where}: the value ${v} does not fit int32.`);
      data[i] = v;
    }
  }
  if (h.fortran) data = fortranToC(data, h.shape);
  return new HostTensor(data, h.shape, dtype);
}

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header
 * `{"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...}` (space-padded
 * to a multiple of 8), then the raw little-endian data.
 */
import { HostTensor, type DType } from '@lasagne-ts/core';
import { FormatError } from './format-error';
import { encodeUtf8, utf8 } from './text';

const CODE: Record<DType, string> = { float32: 'F32', int32: 'I32', bool: 'BOOL' };

/** Encodes named tensors (an array becomes `arr_0 ... arr_N`). */
export function encodeSafetensors(arrays: readonly HostTensor[] | ReadonlyMap<string, HostTensor>, metadata?: Record<string, string>): Uint8Array {
  const named = Array.isArray(arrays) ? (arrays as HostTensor[]).map((a, i) => [`arr_${i}`, a] as const) : [...(arrays as ReadonlyMap<string, HostTensor>)];
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, a] of named) {
    const bytes = a.size * (a.dtype === 'bool' ? 1 : 4);
    header[name] = { dtype: CODE[a.dtype], shape: [...a.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (encodeUtf8(json).length % 8)) % 8);
  const head = encodeUtf8(json);
  const out = new Uint8Array(8 + head.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let p = 8 + head.length;
  for (const [, a] of named) {
    if (a.dtype === 'float32') for (let i = 0; i < a.size; i++, p += 4) view.setFloat32(p, a.data[i], true);
    else if (a.dtype === 'int32') for (let i = 0; i < a.size; i++, p += 4) view.setInt32(p, a.data[i], true);
    else for (let i = 0; i < a.size; i++, p += 1) out[p] = a.data[i] ? 1 : 0;
  }
  return out;
}

interface Entry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * The safetensors rules for the header's entries: every `shape` a list of non-negative integers,
 * every `data_offsets` two integers `0 <= begin <= end <= dataBytes`, and together the tensors
 * cover the data section exactly (no overlap, no hole: the format forbids both, so that a file
 * cannot hide other content). A violation is a FormatError naming the file and the tensor.
 */
function checkOffsets(header: Record<string, unknown>, dataBytes: number, where: string): void {
  const spans: { name: string; b0: number; b1: number }[] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const e = raw as Partial<Entry> | null;
    if (!e || typeof e !== 'object' || !Array.isArray(e.shape) || !Array.isArray(e.data_offsets)) throw new FormatError(`${where}: bad header entry for tensor '${name}' (expected dtype, shape and data_offsets).`);
    if (!e.shape.every(isIndex)) throw new FormatError(`${where}: tensor '${name}' has shape ${JSON.stringify(e.shape)}; expected non-negative integers.`);
    const [b0, b1] = e.data_offsets;
    if (e.data_offsets.length !== 2 || !isIndex(b0) || !isIndex(b1) || b1 < b0 || b1 > dataBytes) {
      throw new FormatError(`${where}: tensor '${name}' has data_offsets ${JSON.stringify(e.data_offsets)}; expected two integers 0 <= begin <= end <= ${dataBytes} (the size of the data section).`);
    }
    spans.push({ name, b0, b1 });
  }
  spans.sort((a, b) => a.b0 - b.b0 || a.b1 - b.b1);
  let end = 0;
  let prev: string | undefined;
  for (const s of spans) {
    if (s.b0 < end) throw new FormatError(`${where}: the data of tensors '${prev}' and '${s.name}' overlap (bytes ${s.b0}..${end}).`);
    if (s.b0 > end) throw new FormatError(`${where}: bytes ${end}..${s.b0} of the data section belong to no tensor (before '${s.name}'); the data must be covered exactly.`);
    end = s.b1;
    prev = s.name;
  }
  if (end !== dataBytes) throw new FormatError(`${where}: bytes ${end}..${dataBytes} of the data section belong to no tensor; the data must be covered exactly.`);
}

/** A safetensors file's header (its JSON object) and where its data section starts. */
function readHeader(bytes: Uint8Array, where: string): { header: Record<string, Entry | Record<string, string>>; base: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8) throw new FormatError(`${where}: truncated file.`);
  const n = Number(view.getBigUint64(0, true));
  if (8 + n > bytes.length) throw new FormatError(`${where}: the header length ${n} exceeds the file.`);
  let header: Record<string, Entry | Record<string, string>>;
  try {
    header = JSON.parse(utf8(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw new FormatError(`${where}: the header is not valid JSON (${(e as Error).message}).`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw new FormatError(`${where}: the header is not a JSON object.`);
  return { header, base: 8 + n };
}

/** The `__metadata__` of a safetensors file (strings to strings, as the format says), or undefined when it has none. */
export function safetensorsMetadata(bytes: Uint8Array, where = 'safetensors'): Record<string, string> | undefined {
  const m: unknown = readHeader(bytes, where).header.__metadata__;
  if (m === undefined) return undefined;
  if (!m || typeof m !== 'object' || Array.isArray(m) || Object.values(m).some((v) => typeof v !== 'string')) {
    throw new FormatError(`${where}: __metadata__ must be an object of strings.`);
  }
  return m as Record<string, string>;
}

/** Decodes a safetensors file: the tensors in header order (F64 becomes float32; I64, I16, I8, U8 int32). */
export function decodeSafetensors(bytes: Uint8Array, where = 'safetensors'): Map<string, HostTensor> {
  const buf = bytes;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { header, base } = readHeader(bytes, where);
  checkOffsets(header, buf.length - base, where);
  const out = new Map<string, HostTensor>();
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const e = raw as Entry;
    const count = e.shape.reduce((a, b) => a * b, 1);
    const [b0, b1] = e.data_offsets;
    const size: Record<string, number> = { F32: 4, F64: 8, I32: 4, I64: 8, I16: 2, I8: 1, U8: 1, BOOL: 1 };
    const s = size[e.dtype];
    if (!s) throw new FormatError(`${where}: unsupported dtype ${e.dtype} for '${name}' (F32, F64, I8–I64, U8, BOOL are supported).`);
    if (b1 - b0 !== count * s) throw new FormatError(`${where}: '${name}' has ${b1 - b0} bytes for ${count} values of ${e.dtype}.`);
    const p = base + b0;
    let t: HostTensor;
    if (e.dtype === 'F32' || e.dtype === 'F64') {
      const d = new Float32Array(count);
      for (let i = 0; i < count; i++) d[i] = s === 4 ? view.getFloat32(p + 4 * i, true) : view.getFloat64(p + 8 * i, true);
      t = new HostTensor(d, e.shape, 'float32');
    } else if (e.dtype === 'BOOL') {
      t = new HostTensor(Uint8Array.from(buf.subarray(p, p + count), (v) => (v ? 1 : 0)), e.shape, 'bool');
    } else {
      const d = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const o = p + s * i;
        const v = s === 1 ? (e.dtype === 'U8' ? view.getUint8(o) : view.getInt8(o)) : s === 2 ? view.getInt16(o, true) : s === 4 ? view.getInt32(o, true) : Number(view.getBigInt64(o, true));
        if (v > 2147483647 || v < -2147483648) throw new FormatError(`${where}: the value ${v} in '${name}' does not fit int32.`);
        d[i] = v;
      }
      t = new HostTensor(d, e.shape, 'int32');
    }
    out.set(name, t);
  }
  return out;
}

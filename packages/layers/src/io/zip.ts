/**
 * A minimal ZIP reader and writer, enough for NumPy's `.npz` files: writes stored (uncompressed)
 * entries as `np.savez` does; reads stored and deflated entries (`np.savez_compressed`), ZIP64
 * records included (NumPy always writes ZIP64 local headers).
 */
import { inflateSync } from 'fflate';
import { crc32 } from './crc32';
import { FormatError } from './format-error';
import { encodeUtf8, latin1, utf8 } from './text';

export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const EOCD = 0x06054b50;
const ZIP64_EOCD = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
/** 1980-01-01 00:00:00 in DOS format: archives are byte-for-byte reproducible. */
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

/** A little-endian writer over a fixed-size byte array. */
class Out {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  pos = 0;
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }
  u16(v: number): void {
    this.view.setUint16(this.pos, v, true);
    this.pos += 2;
  }
  u32(v: number): void {
    this.view.setUint32(this.pos, v >>> 0, true);
    this.pos += 4;
  }
  put(b: Uint8Array): void {
    this.bytes.set(b, this.pos);
    this.pos += b.length;
  }
}

/** Writes entries as an archive of stored (uncompressed) files. */
export function writeZip(entries: readonly ZipEntry[]): Uint8Array {
  const names = entries.map((e) => encodeUtf8(e.name));
  let dataSize = 0;
  entries.forEach((e, i) => {
    if (e.data.length >= 0xffffffff || dataSize >= 0xffffffff) throw new FormatError(`zip: entry '${e.name}' is too large (ZIP64 writing is not supported).`);
    dataSize += 30 + names[i].length + e.data.length;
  });
  const cdSize = names.reduce((n, name) => n + 46 + name.length, 0);
  if (entries.length > 0xfffe || dataSize + cdSize >= 0xffffffff) throw new FormatError('zip: the archive is too large (ZIP64 writing is not supported).');
  const out = new Out(dataSize + cdSize + 22);
  const offsets: number[] = [];
  const crcs = entries.map((e) => crc32(e.data));
  const flags = entries.map((e) => (/[^\x00-\x7f]/.test(e.name) ? 0x0800 : 0)); // UTF-8 flag
  /** The fields a local header and its central directory entry share, from "version needed" to "extra length". */
  const shared = (i: number, e: ZipEntry) => {
    out.u16(20); // version needed
    out.u16(flags[i]);
    out.u16(0); // stored
    out.u16(DOS_TIME);
    out.u16(DOS_DATE);
    out.u32(crcs[i]);
    out.u32(e.data.length); // compressed size
    out.u32(e.data.length); // uncompressed size
    out.u16(names[i].length);
    out.u16(0); // extra
  };
  entries.forEach((e, i) => {
    offsets.push(out.pos);
    out.u32(LOCAL);
    shared(i, e);
    out.put(names[i]);
    out.put(e.data);
  });
  const cdOffset = out.pos;
  entries.forEach((e, i) => {
    out.u32(CENTRAL);
    out.u16(20); // made by
    shared(i, e);
    out.u16(0); // comment
    out.u16(0); // disk
    out.u16(0); // internal attributes
    out.u32(0o100644 << 16); // external attributes: a regular file, rw-r--r--
    out.u32(offsets[i]);
    out.put(names[i]);
  });
  out.u32(EOCD);
  out.u16(0);
  out.u16(0);
  out.u16(entries.length);
  out.u16(entries.length);
  out.u32(cdSize);
  out.u32(cdOffset);
  out.u16(0); // comment
  return out.bytes;
}

function need(buf: Uint8Array, pos: number, n: number, what: string): void {
  if (pos < 0 || pos + n > buf.length) throw new FormatError(`zip: truncated archive (reading ${what} at byte ${pos}).`);
}

function u64(view: DataView, pos: number): number {
  const v = view.getBigUint64(pos, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new FormatError('zip: a ZIP64 size is too large.');
  return Number(v);
}

function inflate(raw: Uint8Array, name: string): Uint8Array {
  try {
    return inflateSync(raw);
  } catch (e) {
    throw new FormatError(`zip: entry '${name}' is not valid deflate data (${(e as Error).message}).`);
  }
}

/** Reads every entry of an archive (stored or deflated), checking CRCs. */
export function readZip(input: Uint8Array): ZipEntry[] {
  const buf = input;
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const u16 = (pos: number) => view.getUint16(pos, true);
  const u32 = (pos: number) => view.getUint32(pos, true);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (u32(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new FormatError('zip: not a ZIP archive (no end of central directory record).');
  let count = u16(eocd + 10);
  let cdSize = u32(eocd + 12);
  let cdOffset = u32(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    need(buf, loc, 20, 'the ZIP64 locator');
    if (u32(loc) !== ZIP64_LOCATOR) throw new FormatError('zip: missing ZIP64 end of central directory locator.');
    const rec = u64(view, loc + 8);
    need(buf, rec, 56, 'the ZIP64 end of central directory');
    if (u32(rec) !== ZIP64_EOCD) throw new FormatError('zip: bad ZIP64 end of central directory record.');
    count = u64(view, rec + 32);
    cdSize = u64(view, rec + 40);
    cdOffset = u64(view, rec + 48);
  }
  const out: ZipEntry[] = [];
  let p = cdOffset;
  for (let k = 0; k < count; k++) {
    need(buf, p, 46, 'a central directory entry');
    if (u32(p) !== CENTRAL) throw new FormatError(`zip: bad central directory entry ${k}.`);
    const flags = u16(p + 8);
    const method = u16(p + 10);
    const crc = u32(p + 16);
    let csize = u32(p + 20);
    let usize = u32(p + 24);
    const nameLen = u16(p + 28);
    const extraLen = u16(p + 30);
    const commentLen = u16(p + 32);
    let localOffset = u32(p + 42);
    need(buf, p + 46, nameLen + extraLen, 'a central directory name');
    const nameBytes = buf.subarray(p + 46, p + 46 + nameLen);
    const name = flags & 0x0800 ? utf8(nameBytes) : latin1(nameBytes);
    // ZIP64 extra field: the 64-bit values of the fields that hold 0xFFFFFFFF, in this order.
    let e = p + 46 + nameLen;
    const eEnd = e + extraLen;
    while (e + 4 <= eEnd) {
      const id = u16(e);
      const len = u16(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        if (usize === 0xffffffff) (usize = u64(view, q)), (q += 8);
        if (csize === 0xffffffff) (csize = u64(view, q)), (q += 8);
        if (localOffset === 0xffffffff) localOffset = u64(view, q);
      }
      e += 4 + len;
    }
    if (flags & 0x1) throw new FormatError(`zip: entry '${name}' is encrypted.`);
    need(buf, localOffset, 30, `the local header of '${name}'`);
    if (u32(localOffset) !== LOCAL) throw new FormatError(`zip: bad local header for '${name}'.`);
    const start = localOffset + 30 + u16(localOffset + 26) + u16(localOffset + 28);
    need(buf, start, csize, `the data of '${name}'`);
    const raw = buf.subarray(start, start + csize);
    let data: Uint8Array;
    if (method === 0) data = raw;
    else if (method === 8) data = inflate(raw, name);
    else throw new FormatError(`zip: entry '${name}' uses compression method ${method}; only stored (0) and deflate (8) are supported.`);
    if (data.length !== usize) throw new FormatError(`zip: entry '${name}' has ${data.length} bytes, the directory says ${usize}.`);
    if (crc32(data) !== crc) throw new FormatError(`zip: CRC mismatch in entry '${name}' (corrupt archive).`);
    out.push({ name, data });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

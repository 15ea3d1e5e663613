/**
 * A minimal ZIP reader and writer, enough for NumPy's `.npz` files: writes stored (uncompressed)
 * entries as `np.savez` does; reads stored and deflated entries (`np.savez_compressed`), ZIP64
 * records included (NumPy always writes ZIP64 local headers).
 */
import { inflateRawSync } from 'zlib';
import { crc32 } from './crc32';
import { FormatError } from './format-error';

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

/** Writes entries as an archive of stored (uncompressed) files. */
export function writeZip(entries: readonly ZipEntry[]): Buffer {
  const chunks: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const size = e.data.length;
    if (size >= 0xffffffff || offset >= 0xffffffff) throw new FormatError(`zip: entry '${e.name}' is too large (ZIP64 writing is not supported).`);
    const crc = crc32(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(name.length > 0 && /[^\x00-\x7f]/.test(e.name) ? 0x0800 : 0, 6); // UTF-8 flag
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(size, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(CENTRAL, 0);
    cd.writeUInt16LE(20, 4); // made by
    cd.writeUInt16LE(20, 6); // needed
    cd.writeUInt16LE(local.readUInt16LE(6), 8);
    cd.writeUInt16LE(0, 10);
    cd.writeUInt16LE(DOS_TIME, 12);
    cd.writeUInt16LE(DOS_DATE, 14);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(size, 20);
    cd.writeUInt32LE(size, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt16LE(0, 30); // extra
    cd.writeUInt16LE(0, 32); // comment
    cd.writeUInt16LE(0, 34); // disk
    cd.writeUInt16LE(0, 36); // internal attributes
    cd.writeUInt32LE((0o100644 << 16) >>> 0, 38); // external attributes: a regular file, rw-r--r--
    cd.writeUInt32LE(offset, 42);
    chunks.push(local, name, Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength));
    central.push(cd, name);
    offset += 30 + name.length + size;
  }
  const cdSize = central.reduce((n, b) => n + b.length, 0);
  if (entries.length > 0xfffe || offset + cdSize >= 0xffffffff) throw new FormatError('zip: the archive is too large (ZIP64 writing is not supported).');
  const end = Buffer.alloc(22);
  end.writeUInt32LE(EOCD, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cdSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...chunks, ...central, end]);
}

function need(buf: Buffer, pos: number, n: number, what: string): void {
  if (pos < 0 || pos + n > buf.length) throw new FormatError(`zip: truncated archive (reading ${what} at byte ${pos}).`);
}

function u64(buf: Buffer, pos: number): number {
  const v = buf.readBigUInt64LE(pos);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new FormatError('zip: a ZIP64 size is too large.');
  return Number(v);
}

/** Reads every entry of an archive (stored or deflated), checking CRCs. */
export function readZip(input: Uint8Array): ZipEntry[] {
  const buf = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new FormatError('zip: not a ZIP archive (no end of central directory record).');
  let count = buf.readUInt16LE(eocd + 10);
  let cdSize = buf.readUInt32LE(eocd + 12);
  let cdOffset = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    need(buf, loc, 20, 'the ZIP64 locator');
    if (buf.readUInt32LE(loc) !== ZIP64_LOCATOR) throw new FormatError('zip: missing ZIP64 end of central directory locator.');
    const rec = u64(buf, loc + 8);
    need(buf, rec, 56, 'the ZIP64 end of central directory');
    if (buf.readUInt32LE(rec) !== ZIP64_EOCD) throw new FormatError('zip: bad ZIP64 end of central directory record.');
    count = u64(buf, rec + 32);
    cdSize = u64(buf, rec + 40);
    cdOffset = u64(buf, rec + 48);
  }
  const out: ZipEntry[] = [];
  let p = cdOffset;
  for (let k = 0; k < count; k++) {
    need(buf, p, 46, 'a central directory entry');
    if (buf.readUInt32LE(p) !== CENTRAL) throw new FormatError(`zip: bad central directory entry ${k}.`);
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    let csize = buf.readUInt32LE(p + 20);
    let usize = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    let localOffset = buf.readUInt32LE(p + 42);
    need(buf, p + 46, nameLen + extraLen, 'a central directory name');
    const name = buf.toString(flags & 0x0800 ? 'utf8' : 'latin1', p + 46, p + 46 + nameLen);
    // ZIP64 extra field: the 64-bit values of the fields that hold 0xFFFFFFFF, in this order.
    let e = p + 46 + nameLen;
    const eEnd = e + extraLen;
    while (e + 4 <= eEnd) {
      const id = buf.readUInt16LE(e);
      const len = buf.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        if (usize === 0xffffffff) (usize = u64(buf, q)), (q += 8);
        if (csize === 0xffffffff) (csize = u64(buf, q)), (q += 8);
        if (localOffset === 0xffffffff) localOffset = u64(buf, q);
      }
      e += 4 + len;
    }
    if (flags & 0x1) throw new FormatError(`zip: entry '${name}' is encrypted.`);
    need(buf, localOffset, 30, `the local header of '${name}'`);
    if (buf.readUInt32LE(localOffset) !== LOCAL) throw new FormatError(`zip: bad local header for '${name}'.`);
    const start = localOffset + 30 + buf.readUInt16LE(localOffset + 26) + buf.readUInt16LE(localOffset + 28);
    need(buf, start, csize, `the data of '${name}'`);
    const raw = buf.subarray(start, start + csize);
    let data: Uint8Array;
    if (method === 0) data = raw;
    else if (method === 8) data = inflateRawSync(raw);
    else throw new FormatError(`zip: entry '${name}' uses compression method ${method}; only stored (0) and deflate (8) are supported.`);
    if (data.length !== usize) throw new FormatError(`zip: entry '${name}' has ${data.length} bytes, the directory says ${usize}.`);
    if (crc32(data) !== crc) throw new FormatError(`zip: CRC mismatch in entry '${name}' (corrupt archive).`);
    out.push({ name, data });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

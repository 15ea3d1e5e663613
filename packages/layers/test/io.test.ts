/**
 * Parameter files: `.npz` exactly as `np.savez(path, *get_all_param_values(net))` writes it, a
 * fixture built here byte by byte from the .npy and ZIP specifications, safetensors, atomic writes,
 * and (when python3 with NumPy is available) NumPy reading our files and us reading NumPy's.
 */
import { spawnSync } from 'child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { deflateRawSync } from 'zlib';
import { HostTensor, ShapeError } from '@lasagne-ts/core';
import * as L from '@lasagne-ts/layers';
import { value } from '../../core/test/calls';

const dir = mkdtempSync(join(tmpdir(), 'lasagne-ts-io-'));

function buildNet() {
  const inp = new L.InputLayer([null, 1, 6, 6]);
  const conv = new L.Conv2DLayer(inp, { numFilters: 2, filterSize: 3 });
  const bn = L.batchNorm(new L.DenseLayer(conv, { numUnits: 3 }));
  return new L.DenseLayer(bn, { numUnits: 2, nonlinearity: L.softmax });
}

const vals = (net: L.Layer) => L.getAllParamValues(net).map((v) => Array.from(v.data));

// ---- an independent writer, from the specifications ---------------------------------------------
function crc32Bitwise(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of data) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** A .npy v1.0 file: magic, version 1.0, uint16 LE header length, dict padded with spaces + '\n' to `align`. */
function npyBytes(descr: string, shape: number[], values: number[], align: number): Buffer {
  const shapeStr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((align - (total % align)) % align) + '\n';
  const size = Number(descr.slice(2));
  const body = Buffer.alloc(values.length * size);
  values.forEach((v, i) => {
    if (descr === '<f4') body.writeFloatLE(v, 4 * i);
    else if (descr === '>f4') body.writeFloatBE(v, 4 * i);
    else body.writeDoubleLE(v, 8 * i);
  });
  const prefix = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
  prefix.writeUInt16LE(header.length, 8);
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), body]);
}

/** A ZIP archive with the given entries, stored (method 0) or deflated (method 8). */
function zipBytes(entries: { name: string; data: Buffer; deflate?: boolean }[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const payload = e.deflate ? deflateRawSync(e.data) : e.data;
    const method = e.deflate ? 8 : 0;
    const crc = crc32Bitwise(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(payload.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(method, 10);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(payload.length, 20);
    cd.writeUInt32LE(e.data.length, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(offset, 42);
    parts.push(local, name, payload);
    central.push(cd, name);
    offset += 30 + name.length + payload.length;
  }
  const cdBuf = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cdBuf.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, cdBuf, end]);
}

describe('saveParams / loadParams (.npz)', () => {
  test('round trip into a freshly initialised network of the same architecture', () => {
    const a = buildNet();
    const b = buildNet();
    expect(vals(a)).not.toEqual(vals(b));
    const path = L.saveParams(a, join(dir, 'model.npz'));
    expect(path).toBe(join(dir, 'model.npz'));
    L.loadParams(b, path);
    expect(vals(b)).toEqual(vals(a));
  });

  test("the file is a ZIP of stored arr_0.npy ... arr_N.npy, NumPy's .npy bytes", () => {
    const net = new L.DenseLayer(new L.InputLayer([null, 3]), { numUnits: 2, W: [[1, 2], [3, 4], [5, 6]] });
    const bytes = readFileSync(L.saveParams(net, join(dir, 'small')));
    expect(bytes.readUInt32LE(0)).toBe(0x04034b50);
    const names: string[] = [];
    for (let p = 0; p + 30 < bytes.length && bytes.readUInt32LE(p) === 0x04034b50; ) {
      expect(bytes.readUInt16LE(p + 8)).toBe(0); // stored
      const size = bytes.readUInt32LE(p + 18);
      const nameLen = bytes.readUInt16LE(p + 26);
      names.push(bytes.toString('latin1', p + 30, p + 30 + nameLen));
      const npy = bytes.subarray(p + 30 + nameLen, p + 30 + nameLen + size);
      expect(crc32Bitwise(npy)).toBe(bytes.readUInt32LE(p + 14));
      expect(npy.subarray(0, 8)).toEqual(Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]));
      const hlen = npy.readUInt16LE(8);
      expect((10 + hlen) % 64).toBe(0);
      const header = npy.toString('latin1', 10, 10 + hlen);
      expect(header.endsWith('\n')).toBe(true);
      if (names.length === 1) {
        expect(header.trimEnd()).toBe("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }");
        expect([0, 1, 2, 3, 4, 5].map((i) => npy.readFloatLE(10 + hlen + 4 * i))).toEqual([1, 2, 3, 4, 5, 6]);
      } else expect(header.trimEnd()).toBe("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }");
      p += 30 + nameLen + size;
    }
    expect(names).toEqual(['arr_0.npy', 'arr_1.npy']);
  });

  test('a hand-built fixture (f8 and f4, stored and deflated, 16-byte aligned headers) loads', async () => {
    const W = [1, -2, 3.5, 4, 0.25, -6];
    const b = [0.5, -0.125];
    const fixture = zipBytes([
      { name: 'arr_0.npy', data: npyBytes('<f8', [3, 2], W, 16) },
      { name: 'arr_1.npy', data: npyBytes('<f4', [2], b, 64), deflate: true },
    ]);
    const path = join(dir, 'fixture.npz');
    writeFileSync(path, fixture);
    const net = new L.DenseLayer(new L.InputLayer([null, 3]), { numUnits: 2 });
    L.loadParams(net, path);
    expect(Array.from((await value(net.W)).data)).toEqual(W);
    expect(Array.from((await value(net.b!)).data)).toEqual(b);
    // Big-endian floats and entry order in the archive that differs from arr_i order.
    writeFileSync(path, zipBytes([
      { name: 'arr_1.npy', data: npyBytes('>f4', [2], b, 64) },
      { name: 'arr_0.npy', data: npyBytes('<f4', [3, 2], W, 64), deflate: true },
    ]));
    net.W.set({ data: new Float32Array(6), shape: [3, 2] });
    L.loadParams(net, path);
    expect(Array.from((await value(net.W)).data)).toEqual(W);
    const m = L.decodeNpz(readFileSync(path));
    expect([...m.keys()]).toEqual(['arr_1', 'arr_0']);
  });

  test('a file for another architecture is rejected before anything is set', () => {
    const small = new L.DenseLayer(new L.InputLayer([null, 3]), { numUnits: 2 });
    const path = L.saveParams(small, join(dir, 'small2.npz'));
    const other = new L.DenseLayer(new L.InputLayer([null, 4]), { numUnits: 2 });
    const before = vals(other);
    expect(() => L.loadParams(other, path)).toThrow(ShapeError);
    expect(() => L.loadParams(other, path)).toThrow(/parameter 0 \('W'\) has shape \(4, 2\), but the value to set has shape \(3, 2\)/);
    expect(vals(other)).toEqual(before);
    const deeper = buildNet();
    expect(() => L.loadParams(deeper, path)).toThrow(/got 2 values to set 9 parameters/);
  });

  test('corrupt archives are FormatErrors', () => {
    const net = new L.DenseLayer(new L.InputLayer([null, 3]), { numUnits: 2 });
    const path = L.saveParams(net, join(dir, 'corrupt.npz'));
    const bytes = readFileSync(path);
    bytes[140] ^= 0xff; // inside arr_0's data
    writeFileSync(path, bytes);
    expect(() => L.loadParams(net, path)).toThrow(L.FormatError);
    expect(() => L.loadParams(net, path)).toThrow(/CRC mismatch/);
    writeFileSync(path, bytes.subarray(0, 100));
    expect(() => L.loadParams(net, path)).toThrow(L.FormatError);
  });
});

describe('parameters as bytes (browsers)', () => {
  test('encodeParams is the bytes saveParams writes; loadParamsFromBytes reads them; no Buffer involved', () => {
    const a = buildNet();
    const b = buildNet();
    const bytes = L.encodeParams(a);
    expect(Object.getPrototypeOf(bytes)).toBe(Uint8Array.prototype);
    expect(Buffer.compare(Buffer.from(bytes), readFileSync(L.saveParams(a, join(dir, 'same.npz'))))).toBe(0);
    L.loadParamsFromBytes(b, bytes);
    expect(vals(b)).toEqual(vals(a));
    const st = L.encodeParams(a, { format: 'safetensors' });
    expect(L.decodeParams(st, { format: 'safetensors' }).map((t) => Array.from(t.data))).toEqual(vals(a));
    expect(() => L.loadParamsFromBytes(b, new Uint8Array([1, 2, 3]), { where: 'upload.npz' })).toThrow('upload.npz: neither a .npz archive nor a safetensors file.');
  });
});

describe('safetensors', () => {
  test('round trip, and the layout: u64 header length, JSON header, raw little-endian data', () => {
    const a = buildNet();
    const b = buildNet();
    const path = L.saveParams(a, join(dir, 'model.safetensors'));
    L.loadParams(b, path);
    expect(vals(b)).toEqual(vals(a));
    const bytes = readFileSync(path);
    const n = Number(bytes.readBigUInt64LE(0));
    expect(n % 8).toBe(0);
    const header = JSON.parse(bytes.toString('utf8', 8, 8 + n));
    const params = L.getAllParamValues(a);
    params.forEach((p, i) => {
      const e = header[`arr_${i}`];
      expect(e.dtype).toBe('F32');
      expect(e.shape).toEqual(p.shape);
      const [s, t] = e.data_offsets;
      expect(t - s).toBe(p.size * 4);
      expect(Array.from({ length: p.size }, (_, k) => bytes.readFloatLE(8 + n + s + 4 * k))).toEqual(Array.from(p.data));
    });
  });
  test('__metadata__: saveParams writes {format: np}; safetensorsMetadata reads it, undefined without', () => {
    const path = L.saveParams(buildNet(), join(dir, 'meta.safetensors'));
    expect(L.safetensorsMetadata(readFileSync(path))).toEqual({ format: 'np' });
    const plain = L.encodeSafetensors([new HostTensor(Float32Array.of(1, 2), [2], 'float32')]);
    expect(L.safetensorsMetadata(plain)).toBeUndefined();
    const header = Buffer.from(JSON.stringify({ __metadata__: { epoch: 3 } }).padEnd(32));
    const bad = Buffer.concat([Buffer.alloc(8), header]);
    bad.writeBigUInt64LE(BigInt(header.length));
    expect(() => L.safetensorsMetadata(bad, 'odd.safetensors')).toThrow('odd.safetensors: __metadata__ must be an object of strings.');
  });
});

describe('atomic writes', () => {
  test('a failed write leaves the previous file intact and no temporary file', () => {
    const sub = mkdtempSync(join(dir, 'atomic-'));
    const path = join(sub, 'model.npz');
    const net = new L.DenseLayer(new L.InputLayer([null, 3]), { numUnits: 2 });
    L.saveParams(net, path);
    const before = readFileSync(path);
    net.W.set({ data: new Float32Array(6).fill(1), shape: [3, 2] });
    // The module object itself (not an import namespace copy), so the library's calls are intercepted.
    const spy = jest.spyOn(require('fs') as typeof import('fs'), 'writeSync').mockImplementationOnce(() => {
      throw new Error('disk full');
    });
    try {
      expect(() => L.saveParams(net, path)).toThrow('disk full');
    } finally {
      spy.mockRestore();
    }
    expect(readFileSync(path)).toEqual(before);
    expect(readdirSync(sub)).toEqual(['model.npz']);
    L.saveParams(net, path);
    expect(readFileSync(path)).not.toEqual(before);
    expect(readdirSync(sub)).toEqual(['model.npz']);
    expect(() => L.saveParams(net, join(sub, 'missing-dir', 'm.npz'))).toThrow(`cannot write the parameters ${join(sub, 'missing-dir', 'm.npz')}: the directory ${join(sub, 'missing-dir')} does not exist`);
    expect(readdirSync(sub)).toEqual(['model.npz']);
  });
});

const numpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;
(numpy ? describe : describe.skip)('NumPy interoperability (python3 + numpy found)', () => {
  test('np.load reads saveParams files; loadParams reads np.savez / np.savez_compressed (float64)', () => {
    const net = buildNet();
    const ours = L.saveParams(net, join(dir, 'for-numpy.npz'));
    const script = `
import numpy as np, sys, json
f = np.load(sys.argv[1])
vals = [f['arr_%d' % i] for i in range(len(f.files))]
print(json.dumps([[str(v.dtype), list(v.shape), v.ravel().tolist()] for v in vals]))
np.savez(sys.argv[2], *[v.astype(np.float64) * 2 for v in vals])
np.savez_compressed(sys.argv[3], *[v * 3 for v in vals])
`;
    const r = spawnSync('python3', ['-c', script, ours, join(dir, 'from-numpy.npz'), join(dir, 'from-numpy-c.npz')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const seen = JSON.parse(r.stdout) as [string, number[], number[]][];
    const params = L.getAllParamValues(net);
    expect(seen.map((s) => s[0])).toEqual(params.map(() => 'float32'));
    expect(seen.map((s) => s[1])).toEqual(params.map((p) => p.shape));
    expect(seen.map((s) => s[2])).toEqual(params.map((p) => Array.from(p.data)));
    const back = buildNet();
    L.loadParams(back, join(dir, 'from-numpy.npz'));
    expect(vals(back)).toEqual(params.map((p) => Array.from(p.data, (v) => Math.fround(v * 2))));
    L.loadParams(back, join(dir, 'from-numpy-c.npz'));
    expect(vals(back)).toEqual(params.map((p) => Array.from(p.data, (v) => Math.fround(v * 3))));
  });

  test('.npy bytes are identical to np.save', () => {
    const t = new HostTensor(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3], 'float32');
    const r = spawnSync('python3', ['-c', "import numpy as np, sys, io\nb = io.BytesIO(); np.save(b, np.arange(1, 7, dtype=np.float32).reshape(2, 3)); sys.stdout.write(b.getvalue().hex())"], { encoding: 'utf8' });
    expect(Buffer.from(L.encodeNpy(t)).toString('hex')).toBe(r.stdout);
  });
});

describe('safetensors offsets are validated (FormatError naming the file and the tensor)', () => {
  /** A file built by hand from the spec: u64 LE header length, JSON header, data. */
  const file = (header: object, data: Buffer, name: string): string => {
    const json = Buffer.from(JSON.stringify(header), 'utf8');
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    const path = join(dir, `${name}.safetensors`);
    writeFileSync(path, Buffer.concat([len, json, data]));
    return path;
  };
  const floats = (...v: number[]) => Buffer.from(new Float32Array(v).buffer);
  const load = (path: string) => L.readParamFile(path);

  test('well-formed: values as written', () => {
    const p = file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, floats(1.5, -2, 7), 'ok');
    expect(load(p).map((t) => Array.from(t.data))).toEqual([[1.5, -2], [7]]);
  });

  test.each([
    ['negative', { a: { dtype: 'F32', shape: [2], data_offsets: [-8, 0] } }, floats(1, 2), /tensor 'a' has data_offsets \[-8,0\]; expected two integers 0 <= begin <= end <= 8/],
    ['fractional', { a: { dtype: 'F32', shape: [2], data_offsets: [0, 7.5] } }, floats(1, 2), /tensor 'a' has data_offsets \[0,7\.5\]/],
    ['past the end', { a: { dtype: 'F32', shape: [3], data_offsets: [0, 12] } }, floats(1, 2), /tensor 'a' has data_offsets \[0,12\]; .* <= 8 \(the size of the data section\)/],
    ['reversed', { a: { dtype: 'F32', shape: [0], data_offsets: [8, 4] } }, floats(1, 2), /tensor 'a' has data_offsets \[8,4\]/],
    ['overlapping', { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, floats(1, 2, 3), /the data of tensors 'a' and 'b' overlap/],
    ['with a hole', { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, floats(1, 2, 3), /bytes 4\.\.8 of the data section belong to no tensor \(before 'b'\)/],
    ['with unused trailing bytes', { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, floats(1, 2), /bytes 4\.\.8 of the data section belong to no tensor/],
    ['a bad shape', { a: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, floats(1, 2), /tensor 'a' has shape \[-2\]; expected non-negative integers/],
  ])('%s offsets', (name, header, data, message) => {
    const p = file(header, data, name.replace(/ /g, '-'));
    expect(() => load(p)).toThrow(L.FormatError);
    expect(() => load(p)).toThrow(message);
    expect(() => load(p)).toThrow(p);
  });
});

describe('npz values that cannot be parameters', () => {
  test('a NaN or infinite value is refused by loadParams, naming the file and the array', async () => {
    const net = buildNet();
    const ps = L.getAllParams(net);
    const w = await value(ps[0]);
    const bad = Float32Array.from(w.data);
    bad[0] = NaN;
    bad[1] = Infinity;
    ps[0].set({ data: bad, shape: w.shape });
    const path = L.saveParams(net, join(dir, 'nan.npz'));
    expect(() => L.loadParams(buildNet(), path)).toThrow(`${path}: array 0 (shape [${w.shape.join(', ')}]) holds 2 NaN or infinite values; it comes from a diverged run or is damaged.`);
  });
  test('an int64 array whose values do not fit int32 is refused', () => {
    const npy = (descr: string, shape: number[], data: Buffer) => {
      let h = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')},), }`;
      h += ' '.repeat(64 - ((10 + h.length + 1) % 64)) + '\n';
      const len = Buffer.alloc(2);
      len.writeUInt16LE(h.length);
      return Buffer.concat([Buffer.from('\x93NUMPY\x01\x00', 'latin1'), len, Buffer.from(h, 'latin1'), data]);
    };
    const big = Buffer.alloc(16);
    big.writeBigInt64LE(5n, 0);
    big.writeBigInt64LE(2n ** 40n, 8);
    const path = join(dir, 'int64.npz');
    writeFileSync(path, zipBytes([{ name: 'arr_0.npy', data: npy('<i8', [2], big) }]));
    expect(() => L.readParamFile(path)).toThrow(/the value 1099511627776 does not fit int32/);
  });
});

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DataError, encodeIdx, parseIdx, readIdxFile, writeIdx, writeIdxGz } from '../../src/data';
import { catchError, handIdx, tempDir } from './helpers';

describe('IDX files', () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);

  const images = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => (i * 11) % 256);
  const imageBytes = handIdx([2, 3, 4], images);

  test('parses a hand-built images file (magic 0x00000803)', () => {
    expect(Array.from(imageBytes.subarray(0, 8))).toEqual([0, 0, 8, 3, 0, 0, 0, 2]);
    const idx = parseIdx(imageBytes, 'x');
    expect(idx.dims).toEqual([2, 3, 4]);
    expect(Array.from(idx.data)).toEqual(Array.from(images));
  });

  test('parses a hand-built labels file (magic 0x00000801) with a big count', () => {
    const labels = new Uint8Array(300).map((_, i) => i % 10);
    const idx = parseIdx(handIdx([300], labels), 'labels');
    expect(idx.dims).toEqual([300]);
    expect(idx.data[299]).toBe(9);
  });

  test('readIdxFile reads raw and gzip files (detected by content)', () => {
    writeFileSync(join(dir, 'raw'), imageBytes);
    writeFileSync(join(dir, 'packed.gz'), gzipSync(imageBytes));
    writeFileSync(join(dir, 'packed-no-suffix'), gzipSync(imageBytes));
    for (const name of ['raw', 'packed.gz', 'packed-no-suffix']) {
      const idx = readIdxFile(join(dir, name));
      expect(idx.dims).toEqual([2, 3, 4]);
      expect(Array.from(idx.data)).toEqual(Array.from(images));
    }
  });

  test('writeIdx / writeIdxGz produce the spec bytes', () => {
    expect(Buffer.from(encodeIdx(images, [2, 3, 4])).equals(imageBytes)).toBe(true);
    writeIdx(join(dir, 'w', 'a'), images, [2, 3, 4]);
    expect(readFileSync(join(dir, 'w', 'a')).equals(imageBytes)).toBe(true);
    writeIdxGz(join(dir, 'w', 'a.gz'), images, [2, 3, 4]);
    expect(readIdxFile(join(dir, 'w', 'a.gz')).dims).toEqual([2, 3, 4]);
    expect(() => encodeIdx(images, [5])).toThrow(RangeError);
  });

  const errorCases: [string, Buffer, string, RegExp][] = [
    ['wrong magic', Buffer.from([0x12, 0x34, 0x08, 0x03, 0, 0, 0, 0]), 'bad-magic', /IDX magic number.*found 0x12340803/],
    ['unsupported type', handIdx([2], [1, 2], 0x0d), 'bad-type', /type code 0x08.*found type code 0x0d/],
    ['truncated data', handIdx([2, 3, 4], images).subarray(0, 30), 'truncated', /expected 24 data bytes.*found 14 bytes.*truncated/],
    ['truncated header', Buffer.from([0, 0, 8, 3, 0, 0]), 'truncated', /16-byte header/],
    ['trailing bytes', Buffer.concat([imageBytes, Buffer.from([1])]), 'trailing-bytes', /expected 24 data bytes.*found 25/],
  ];
  test.each(errorCases)('%s is a DataError naming the file and the problem', (_name, bytes, code, pattern) => {
    const file = join(dir, `bad-${code}`);
    writeFileSync(file, bytes);
    const err = catchError(() => readIdxFile(file));
    expect(err).toBeInstanceOf(DataError);
    expect(err.code).toBe(code);
    expect(err.file).toBe(file);
    expect(err.message).toContain(file);
    expect(err.message).toMatch(pattern);
    expect(err.message).toMatch(/delete it and run again to re-download.*--data-dir/);
  });

  test('missing file and corrupt gzip are DataErrors', () => {
    const missing = join(dir, 'nope');
    expect(catchError(() => readIdxFile(missing)).message).toMatch(new RegExp(`${escape(missing)}: .*no such file`));
    const gz = join(dir, 'cut.gz');
    writeFileSync(gz, gzipSync(imageBytes).subarray(0, 20));
    const err = catchError(() => readIdxFile(gz));
    expect(err.code).toBe('bad-gzip');
    expect(err.message).toContain(gz);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

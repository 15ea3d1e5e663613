import { crc32 } from '@lasagne-ts/layers';
import { crc32Js } from '../src/io/crc32';

// The CRC-32/ISO-HDLC check value: crc32("123456789") = 0xCBF43926 (the catalogue of CRC algorithms).
const CHECK = Buffer.from('123456789', 'latin1');

describe('crc32 (node:zlib where available, else the table)', () => {
  it.each([['crc32', crc32], ['crc32Js', crc32Js]])('%s gives the check value and continues across chunks', (_name, f) => {
    expect(f(CHECK)).toBe(0xcbf43926);
    expect(f(new Uint8Array(0))).toBe(0);
    expect(f(CHECK.subarray(4), f(CHECK.subarray(0, 4)))).toBe(0xcbf43926);
  });
  it('both agree on random bytes', () => {
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 2654435761) >>> 24);
    expect(crc32(bytes)).toBe(crc32Js(bytes));
  });
});

/** A minimal PNG writer (8-bit RGB or grayscale, no interlacing) on node's zlib. */
import { writeFileAtomic } from '@lasagne-ts/core';
import { deflateSync } from 'node:zlib';
import { crc32 } from '@lasagne-ts/layers';

/** An 8-bit image: `channels` (1 gray, 3 RGB) values per pixel, rows top to bottom. */
export interface RasterImage {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** The PNG file of an image (every row with filter type 0, one IDAT chunk). */
export function encodePng(image: RasterImage): Buffer {
  const { width, height, channels, data } = image;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) throw new RangeError(`encodePng: bad size ${width}x${height}`);
  if (channels !== 1 && channels !== 3) throw new RangeError(`encodePng: channels must be 1 or 3, got ${channels}`);
  const stride = width * channels;
  if (data.length !== stride * height) throw new RangeError(`encodePng: ${data.length} bytes for a ${width}x${height}x${channels} image (${stride * height} expected)`);
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) raw.set(data.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = channels === 3 ? 2 : 0; // colour type: truecolour or greyscale
  ihdr[10] = 0; // deflate
  ihdr[11] = 0; // adaptive filtering
  ihdr[12] = 0; // no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/** Writes the PNG atomically (core's `writeFileAtomic`); creating its directory. */
export function writePng(file: string, image: RasterImage): void {
  writeFileAtomic(file, encodePng(image), { what: 'the image', mkdir: true });
}

/**
 * The first example of the Theano tutorial's "Convolutional Neural Networks (LeNet)" page: a
 * random filter bank of shape (2, 3, 9, 9) (uniform in ±1/sqrt(3*9*9)), biases uniform in
 * ±0.5, `sigmoid(conv2d(input, W) + b.dimshuffle('x', 0, 'x', 'x'))` applied to an RGB image;
 * the image and its two filtered maps are written side by side as one PNG (the tutorial shows
 * them with pylab, the maps in gray). The image is drawn here (the tutorial uses a photo,
 * 3wolfmoon.jpg): a moonlit landscape with edges in every colour.
 */
import { compile, conv2d, setSeed, shared, sigmoid, tensor4, type HostTensor } from '@lasagne-ts/core';
import * as L from '@lasagne-ts/layers';
import { writePng, type RasterImage } from '../png';
import { ClassicOptionsError, type ClassicIO } from './common';

export interface FiltersOptions {
  /** The PNG to write (default 'filters.png'). */
  out?: string;
  /** Seeds the filters (default 23455, the tutorial's `RandomState(23455)`). */
  seed?: number;
  /** The input image (default: `drawScene()`). */
  image?: RasterImage;
  /** Size of the drawn scene (default 320 x 240). */
  width?: number;
  height?: number;
}

export interface FiltersResult {
  /** Where the PNG went. */
  file: string;
  image: RasterImage;
  /** The function's output, shape (1, 2, height - 8, width - 8), values in (0, 1). */
  filtered: HostTensor;
  /** The picture written: image | map 0 | map 1. */
  composite: RasterImage;
  W: HostTensor;
  b: HostTensor;
}

const clamp255 = (v: number) => Math.max(0, Math.min(255, Math.round(v)));

/** A small integer hash, for the scene's stars and texture (independent of any seed). */
function hash(x: number, y: number): number {
  let h = Math.imul(x, 374761393) + Math.imul(y, 668265263);
  h = Math.imul(h ^ (h >>> 13), 1274126177);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/**
 * A procedurally drawn RGB scene: night sky with stars, a cratered moon, snow-capped mountains,
 * a red house with a lit window, a striped green field and a checkered flag.
 */
export function drawScene(width = 320, height = 240): RasterImage {
  const data = new Uint8Array(width * height * 3);
  const sx = width / 320;
  const sy = height / 240;
  const horizon = 150 * sy;
  const ground = 185 * sy;
  const ridge = (x: number) => horizon - (28 + 22 * Math.sin(x / (23 * sx)) + 14 * Math.sin(x / (9 * sx) + 1.3)) * sy - 10 * sy;
  const moon = { x: 245 * sx, y: 55 * sy, r: 30 * Math.min(sx, sy) };
  const craters = [[-10, -8, 7], [9, 6, 5], [-4, 13, 4], [12, -12, 3]].map(([dx, dy, r]) => ({ x: moon.x + dx * sx, y: moon.y + dy * sy, r: r * Math.min(sx, sy) }));
  const house = { x0: 60 * sx, x1: 110 * sx, y0: ground - 38 * sy, y1: ground + 4 * sy };
  const set = (x: number, y: number, [r, g, b]: readonly number[]) => {
    const o = (y * width + x) * 3;
    data[o] = clamp255(r);
    data[o + 1] = clamp255(g);
    data[o + 2] = clamp255(b);
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let c: number[];
      const t = Math.min(1, y / horizon);
      c = [20 + 70 * t, 24 + 36 * t, 70 + 50 * t]; // sky gradient
      if (hash(x, y) > 0.996 && y < horizon - 30 * sy) c = [255, 255, 235]; // stars
      const dm = Math.hypot(x - moon.x, y - moon.y);
      if (dm < moon.r + 6 * sx) c = c.map((v, k) => v + (1 - (dm - moon.r) / (6 * sx)) * [60, 60, 40][k] * (dm > moon.r ? 1 : 0)); // halo
      if (dm < moon.r) {
        c = [242, 232, 170];
        if (craters.some((k) => Math.hypot(x - k.x, y - k.y) < k.r)) c = [200, 190, 135];
      }
      const top = ridge(x);
      if (y >= top && y < ground) {
        c = [48, 56, 84 + 20 * Math.sin(x / 7)];
        if (y < top + 9 * sy && top < horizon - 30 * sy) c = [235, 240, 250]; // snow
      }
      if (y >= ground) {
        const stripe = Math.floor((x + 2 * (y - ground)) / (12 * sx)) % 2 === 0;
        c = stripe ? [40, 120, 50] : [70, 150, 60];
        c = c.map((v) => v * (0.85 + 0.3 * hash(x >> 1, y >> 1)));
      }
      // The house: a red wall under a brown roof, a yellow window, a dark door.
      const roofH = 22 * sy;
      if (x >= house.x0 && x < house.x1 && y >= house.y0 && y < house.y1) c = [190, 40, 35];
      const mid = (house.x0 + house.x1) / 2;
      if (y < house.y0 && y >= house.y0 - roofH && Math.abs(x - mid) <= ((y - (house.y0 - roofH)) / roofH) * ((house.x1 - house.x0) / 2 + 6 * sx)) c = [110, 60, 30];
      if (x >= house.x0 + 8 * sx && x < house.x0 + 22 * sx && y >= house.y0 + 8 * sy && y < house.y0 + 20 * sy) c = [255, 220, 80];
      if (x >= house.x1 - 20 * sx && x < house.x1 - 8 * sx && y >= house.y0 + 16 * sy && y < house.y1) c = [40, 25, 20];
      // A checkered flag on a pole.
      const fx0 = 200 * sx;
      const fy0 = ground - 60 * sy;
      if (x >= fx0 - 2 * sx && x < fx0 && y >= fy0 && y < ground + 6 * sy) c = [220, 220, 220];
      if (x >= fx0 && x < fx0 + 36 * sx && y >= fy0 && y < fy0 + 24 * sy) {
        const cell = Math.floor((x - fx0) / (6 * sx)) + Math.floor((y - fy0) / (6 * sy));
        c = cell % 2 === 0 ? [250, 250, 250] : [15, 15, 15];
      }
      set(x, y, c);
    }
  }
  return { width, height, channels: 3, data };
}

/** Gray levels of a map, stretched to [0, 255] (what pylab's `imshow` with `gray()` shows). */
function toGray(values: Float32Array | Int32Array | Uint8Array, offset: number, n: number): Uint8Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[offset + i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = clamp255((values[offset + i] - lo) * scale);
  return out;
}

/** Places the RGB image and the gray maps side by side on white, with margins. */
function composite(image: RasterImage, maps: Uint8Array[], mw: number, mh: number): RasterImage {
  const pad = 10;
  const width = pad + image.width + maps.length * (pad + mw) + pad;
  const height = pad + Math.max(image.height, mh) + pad;
  const data = new Uint8Array(width * height * 3).fill(255);
  const put = (x0: number, y0: number, w: number, h: number, px: (x: number, y: number) => [number, number, number]) => {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const o = ((y0 + y) * width + x0 + x) * 3;
        const [r, g, b] = px(x, y);
        data[o] = r;
        data[o + 1] = g;
        data[o + 2] = b;
      }
    }
  };
  const ch = image.channels;
  put(pad, pad, image.width, image.height, (x, y) => {
    const o = (y * image.width + x) * ch;
    return ch === 3 ? [image.data[o], image.data[o + 1], image.data[o + 2]] : [image.data[o], image.data[o], image.data[o]];
  });
  maps.forEach((m, k) => {
    const x0 = pad + image.width + pad + k * (mw + pad);
    const y0 = pad + Math.floor((Math.max(image.height, mh) - mh) / 2);
    put(x0, y0, mw, mh, (x, y) => {
      const v = m[y * mw + x];
      return [v, v, v];
    });
  });
  return { width, height, channels: 3, data };
}

/** Runs the tutorial's filter example and writes the PNG. */
export async function runFilters(options: FiltersOptions = {}, io: ClassicIO): Promise<FiltersResult> {
  const image = options.image ?? drawScene(options.width ?? 320, options.height ?? 240);
  if (image.channels !== 3) throw new ClassicOptionsError('the image must be RGB (3 channels)');
  if (image.width < 9 || image.height < 9) throw new ClassicOptionsError(`the image must be at least 9x9 pixels for 9x9 filters, got ${image.width}x${image.height}`);
  const file = options.out ?? 'filters.png';
  setSeed(options.seed ?? 23455);

  const input = tensor4('input');
  // Initialize shared variable for weights.
  const wShp = [2, 3, 9, 9] as const;
  const wBound = Math.sqrt(3 * 9 * 9);
  const W = shared({ data: new L.init.Uniform([-1 / wBound, 1 / wBound]).sample(wShp), shape: wShp }, { name: 'W' });
  // Initialize shared variable for bias (1D tensor) with random values; the bias is usually
  // initialized to zero, but here it shows the effect of a bias.
  const b = shared({ data: new L.init.Uniform([-0.5, 0.5]).sample([2]), shape: [2] }, { name: 'b' });
  // Symbolic expression of the convolution of the input with the filters in W, then the
  // bias (broadcast over the minibatch and the feature maps) and the sigmoid.
  const convOut = conv2d(input, W);
  const output = sigmoid(convOut.add(b.dimshuffle('x', 0, 'x', 'x')));
  const f = compile([input], output);

  // img / 256 with its channels first: (1, 3, height, width).
  const { width, height } = image;
  const img = new Float32Array(3 * width * height);
  for (let c = 0; c < 3; c++) for (let p = 0; p < width * height; p++) img[c * width * height + p] = image.data[p * 3 + c] / 256;
  const filtered = (await f.async({ data: img, shape: [1, 3, height, width] })) as HostTensor;
  const [, , mh, mw] = filtered.shape;
  const maps = [0, 1].map((k) => toGray(filtered.data, k * mh * mw, mh * mw));
  const pic = composite(image, maps, mw, mh);
  writePng(file, pic);
  io.err?.(`wrote ${file}: the ${width}x${height} image and its two filtered maps (${mw}x${mh}), ${pic.width}x${pic.height} pixels`);
  return { file, image, filtered, composite: pic, W: await W.read(), b: await b.read() };
}

import type { Tensor } from '../tf';
import { F32, I32, V128, op, v128, whileBelow, type ValType } from '../backend/wasm-module';
import { kernelMemory, runWasmKernel, WasmKernel } from '../backend/wasm-kernel';

const get = op.localGet;
const set = op.localSet;
const advance = (x: number, by: number[]) => [...get(x), ...by, ...op.i32Add, ...set(x)];
const shuffle = (lanes: number[]) => [0xfd, 0x0d, ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3])];

/**
 * 2x2 max pooling with stride 2 and every window inside the image (MNIST's) as a generated
 * WebAssembly SIMD loop over NCHW memory: per output row, the two input rows' maxima 8 columns at
 * a time, then the even and odd columns' maxima (a shuffle), 4 outputs per store. tfjs' route
 * transposes to NHWC and back around XNNPACK's pool (two copies of the tensor).
 */
function maxPool2x2Function(): { params: number; locals: ValType[]; body: number[] } {
  // Parameters: x, out (byte addresses), planes·OH (output rows), OW, image row bytes, W's
  // 8-column part in bytes, bytes to the next output row's input (2 rows, plus W's odd column).
  const [X, OUT, ROWS, OW, ROWB, SIMDB, NEXTB] = [0, 1, 2, 3, 4, 5, 6];
  const [q, j, src, o, v, u] = [7, 8, 9, 10, 11, 12];
  const locals: ValType[] = [I32, I32, I32, I32, V128, V128];
  const at = (base: number, plus: number[]) => [...get(base), ...plus, ...op.i32Add];
  const vmax = (off: number) => [...at(src, op.i32Const(off)), ...v128.load, ...get(src), ...get(ROWB), ...op.i32Add, ...op.i32Const(off), ...op.i32Add, ...v128.load, ...v128.f32x4.max];
  const fmax = (off: number) => [...at(src, op.i32Const(off)), ...op.f32Load, ...get(src), ...get(ROWB), ...op.i32Add, ...op.i32Const(off), ...op.i32Add, ...op.f32Load, ...op.f32.max];
  const body = [
    ...get(OUT), ...set(o), ...get(X), ...set(src),
    ...op.i32Const(0), ...set(q),
    ...whileBelow(q, ROWS, [
      // 8 input columns → 4 outputs
      ...op.i32Const(0), ...set(j),
      ...whileBelow(j, SIMDB, [
        ...vmax(0), ...set(v), ...vmax(16), ...set(u),
        ...get(o),
        ...get(v), ...get(u), ...shuffle([0, 2, 4, 6]), ...get(v), ...get(u), ...shuffle([1, 3, 5, 7]), ...v128.f32x4.max,
        ...v128.store,
        ...advance(o, op.i32Const(16)), ...advance(src, op.i32Const(32)), ...advance(j, op.i32Const(32)),
      ]),
      // the remaining output columns, one at a time: j counts outputs from SIMDB / 8
      ...get(SIMDB), ...op.i32Const(3), ...op.i32ShrU, ...set(j),
      ...whileBelow(j, OW, [
        ...get(o), ...fmax(0), ...fmax(4), ...op.f32.max, ...op.f32Store,
        ...advance(o, op.i32Const(4)), ...advance(src, op.i32Const(8)), ...advance(j, op.i32Const(1)),
      ]),
      ...advance(src, get(NEXTB)),
      ...advance(q, op.i32Const(1)),
    ]),
  ];
  return { params: 7, locals, body };
}

let kernel: WasmKernel | undefined;

/** The 2x2, stride-2 max pool of NCHW float32 `x` (output ⌊H/2⌋ x ⌊W/2⌋); undefined when the engine cannot compile the kernel. */
export function maxPool2x2Wasm(x: Tensor): Tensor | undefined {
  const [n, c, h, w] = x.shape as number[];
  const [oh, ow] = [Math.floor(h / 2), Math.floor(w / 2)];
  const memory = kernelMemory();
  kernel ??= new WasmKernel(maxPool2x2Function());
  const entry = kernel.bind(memory);
  if (!entry) return undefined;
  if (h % 2) return undefined; // the output rows run on across planes: an odd height would need a skip per plane
  const simdCols = Math.floor(ow / 4) * 8; // input columns handled 8 at a time
  // After an output row src has moved 2·ow columns: skip an odd last column and the row's second input row.
  const next = (w - 2 * ow) * 4 + w * 4;
  return runWasmKernel(memory, entry, [x], [[n, c, oh, ow]], [n * c * oh, ow, w * 4, simdCols * 4, next])[0];
}

const f32Eq = [0x5b];
const f32x4Eq = [0xfd, 0x41];

/**
 * The gradient of that pooling with Theano's tie rule (every cell equal to its window's max gets
 * the window's gradient) for images the windows tile exactly (even height and width): per output
 * row, y and gy duplicated to the input columns (shuffles), compared with the two input rows
 * 8 columns at a time, the gradient kept where equal (a bitwise and with the comparison's mask).
 */
function maxPool2x2GradFunction(): { params: number; locals: ValType[]; body: number[] } {
  // Parameters: x, y, gy, dx (byte addresses), output rows (planes·OH), OW, image row bytes, the
  // 8-column part of a row in bytes.
  const [X, Y, GY, DX, ROWS, OW, ROWB, SIMDB] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [q, j, xs, ds, ys, gs, yl, yh, gl, gh, yv, gv] = [8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
  const locals: ValType[] = [I32, I32, I32, I32, I32, I32, V128, V128, V128, V128, F32, F32];
  const addr = (base: number, row: boolean, off: number) => [...get(base), ...(row ? [...get(ROWB), ...op.i32Add] : []), ...op.i32Const(off), ...op.i32Add];
  const dup = (v: number[], lanes: number[]) => [...v, ...v, ...shuffle(lanes)];
  // dx = (x == y) & g, for the 4 cells at byte offset off of both rows.
  const simdCells = (row: boolean, off: number, y: number, g: number) => [...addr(ds, row, off), ...addr(xs, row, off), ...v128.load, ...get(y), ...f32x4Eq, ...get(g), ...v128.and, ...v128.store];
  const scalarCell = (row: boolean, off: number) => [...addr(ds, row, off), ...get(gv), ...op.f32Const(0), ...addr(xs, row, off), ...op.f32Load, ...get(yv), ...f32Eq, ...op.select, ...op.f32Store];
  const body = [
    ...get(X), ...set(xs), ...get(DX), ...set(ds), ...get(Y), ...set(ys), ...get(GY), ...set(gs),
    ...op.i32Const(0), ...set(q),
    ...whileBelow(q, ROWS, [
      ...op.i32Const(0), ...set(j),
      ...whileBelow(j, SIMDB, [
        ...dup([...get(ys), ...v128.load], [0, 0, 1, 1]), ...set(yl), ...dup([...get(ys), ...v128.load], [2, 2, 3, 3]), ...set(yh),
        ...dup([...get(gs), ...v128.load], [0, 0, 1, 1]), ...set(gl), ...dup([...get(gs), ...v128.load], [2, 2, 3, 3]), ...set(gh),
        ...simdCells(false, 0, yl, gl), ...simdCells(false, 16, yh, gh), ...simdCells(true, 0, yl, gl), ...simdCells(true, 16, yh, gh),
        ...advance(xs, op.i32Const(32)), ...advance(ds, op.i32Const(32)), ...advance(ys, op.i32Const(16)), ...advance(gs, op.i32Const(16)), ...advance(j, op.i32Const(32)),
      ]),
      // the remaining outputs of the row, one at a time (j counts outputs from SIMDB / 8)
      ...get(SIMDB), ...op.i32Const(3), ...op.i32ShrU, ...set(j),
      ...whileBelow(j, OW, [
        ...get(ys), ...op.f32Load, ...set(yv), ...get(gs), ...op.f32Load, ...set(gv),
        ...scalarCell(false, 0), ...scalarCell(false, 4), ...scalarCell(true, 0), ...scalarCell(true, 4),
        ...advance(xs, op.i32Const(8)), ...advance(ds, op.i32Const(8)), ...advance(ys, op.i32Const(4)), ...advance(gs, op.i32Const(4)), ...advance(j, op.i32Const(1)),
      ]),
      // skip the row pair's second row
      ...advance(xs, get(ROWB)), ...advance(ds, get(ROWB)),
      ...advance(q, op.i32Const(1)),
    ]),
  ];
  return { params: 8, locals, body };
}

let gradKernel: WasmKernel | undefined;

/** The gradient of the 2x2, stride-2 max pool for NCHW float32 x of even height and width (y the pool, gy its gradient); undefined when the engine cannot compile the kernel. */
export function maxPool2x2GradWasm(x: Tensor, y: Tensor, gy: Tensor): Tensor | undefined {
  const [n, c, h, w] = x.shape as number[];
  if (h % 2 || w % 2) return undefined;
  const memory = kernelMemory();
  gradKernel ??= new WasmKernel(maxPool2x2GradFunction());
  const entry = gradKernel.bind(memory);
  if (!entry) return undefined;
  const ow = w / 2;
  return runWasmKernel(memory, entry, [x, y, gy], [[n, c, h, w]], [n * c * (h / 2), ow, w * 4, Math.floor(ow / 4) * 32])[0];
}

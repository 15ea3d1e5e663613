import { hasHostMemory, runHostKernel } from '../backend/host-memory';
import { tf, type Tensor } from '../tf';

/**
 * `Switch` (where) on the backends whose tensors live in this process (wasm, cpu), for float32
 * choices: one loop over the output reading each operand through broadcast strides. tfjs'
 * `where` first broadcasts every operand to the full shape with a Tile (on wasm ~0.8 ms for a
 * 100x1 mask against 100x100 states, the mask of every recurrent step) and its wasm Select is
 * slower than this loop. Undefined where it does not apply (the caller uses tfjs').
 */
export function switchOnHost(c: Tensor, a: Tensor, b: Tensor, shape: number[]): Tensor | undefined {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || !hasHostMemory(tf.getBackend())) return undefined;
  const cf = tf.cast(c, 'float32');
  try {
    const r = shape.length;
    const strides = (t: Tensor) => {
      const s = new Array<number>(r).fill(0);
      let acc = 1;
      for (let i = t.shape.length - 1; i >= 0; i--) {
        if (t.shape[i] !== 1) s[i + r - t.shape.length] = acc;
        acc *= t.shape[i];
      }
      return s;
    };
    const [sc, sa, sb] = [strides(cf), strides(a), strides(b)];
    const last = r ? shape[r - 1] : 1;
    const [lc, la, lb] = r ? [sc[r - 1], sa[r - 1], sb[r - 1]] : [0, 0, 0];
    return runHostKernel([cf, a, b], [shape], ([cv, av, bv], [out]) => {
      if (!out.length) return;
      if (lc === 0 && la === 1 && lb === 1) {
        // The condition is constant along the last axis (a recurrent mask): whole rows are copied.
        const idx = new Array<number>(Math.max(r - 1, 0)).fill(0);
        for (let o = 0; o < out.length; o += last) {
          let pc = 0, pa = 0, pb = 0;
          for (let d = 0; d < r - 1; d++) (pc += idx[d] * sc[d]), (pa += idx[d] * sa[d]), (pb += idx[d] * sb[d]);
          out.set(cv[pc] !== 0 ? av.subarray(pa, pa + last) : bv.subarray(pb, pb + last), o);
          for (let d = r - 2; d >= 0 && ++idx[d] === shape[d]; d--) idx[d] = 0;
        }
        return;
      }
      const idx = new Array<number>(Math.max(r - 1, 0)).fill(0);
      let o = 0;
      const rows = out.length / (last || 1);
      for (let q = 0; q < rows && last > 0; q++) {
        let pc = 0, pa = 0, pb = 0;
        for (let d = 0; d < r - 1; d++) (pc += idx[d] * sc[d]), (pa += idx[d] * sa[d]), (pb += idx[d] * sb[d]);
        for (let j = 0; j < last; j++) out[o++] = cv[pc + j * lc] !== 0 ? av[pa + j * la] : bv[pb + j * lb];
        for (let d = r - 2; d >= 0 && ++idx[d] === shape[d]; d--) idx[d] = 0;
      }
    })[0];
  } finally {
    cf.dispose();
  }
}

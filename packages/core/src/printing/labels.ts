import { Constant } from '../graph/constant';
import type { Apply, SymbolicTensor } from '../graph/node';
import type { Op } from '../graph/op';
import { SharedVariable } from '../graph/shared';
import { formatShape } from '../shape';

/**
 * An op's label with its declared properties (`Op.props`): `Sum{axis=(0,1), keepdims=false}`,
 * `Softmax{axis=1}`. An op with a single property whose value is a spelling (a string or a list:
 * `Cast{int32}`, `DimShuffle{x,0,x,x}`) prints it bare, and one whose value is a config object
 * prints the config's own fields (`Conv2D{borderMode=valid, ...}`), as Theano labels them.
 */
export function opLabel(op: Op): string {
  const names = op.propNames;
  const p = op.params();
  if (names.length === 0 || p === null || p === undefined) return op.name;
  if (names.length === 1 && (typeof p === 'string' || (typeof p === 'object' && p !== null))) return `${op.name}{${formatParams(p, true)}}`;
  const values = names.length === 1 ? [p] : (p as unknown[]);
  return `${op.name}{${names.map((n, i) => `${n}=${formatParams(values[i])}`).join(', ')}}`;
}

function formatParams(p: unknown, top = false): string {
  if (Array.isArray(p)) return top ? p.map((x) => formatParams(x)).join(',') : `(${p.map((x) => formatParams(x)).join(',')}${p.length === 1 ? ',' : ''})`;
  if (p !== null && typeof p === 'object') {
    const body = Object.entries(p as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${formatParams(v)}`)
      .join(', ');
    return top ? body : `{${body}}`;
  }
  return String(p);
}

/** `Add` for a one-output node, `SplitPart.1` for the second output of a multi-output one. */
export function applyLabel(ap: Apply, index: number): string {
  return ap.outputs.length > 1 ? `${opLabel(ap.op)}.${index}` : opLabel(ap.op);
}

/** A number as Theano prints a constant: float dtypes keep a decimal point (`2.0`), 7 significant digits. */
function formatNumber(v: number, float: boolean): string {
  if (!Number.isFinite(v)) return String(v);
  const s = String(float ? Number(v.toPrecision(7)) : v);
  return float && /^-?\d+$/.test(s) ? `${s}.0` : s;
}

/** `Constant{2.0}`, `Constant{[1, 2, 3]}`, `Constant{(3, 4) of 0.0}` (all equal), `Constant{(3, 4)}`. */
export function constantLabel(c: Constant): string {
  const float = c.dtype === 'float32';
  const data = Array.from(c.value.data, (v) => formatNumber(v, float));
  let body: string;
  if (c.value.shape.length === 0) body = data[0];
  else if (data.length > 0 && data.length <= 8) body = `[${data.join(', ')}]`;
  else if (data.length > 0 && data.every((d) => d === data[0])) body = `${formatShape(c.value.shape)} of ${data[0]}`;
  else body = formatShape(c.value.shape);
  return `Constant{${body}}`;
}

/** A root variable's label: its name, or what it is for an unnamed one (`<input>`, `<shared>`), or a constant's value. */
export function rootLabel(v: SymbolicTensor): string {
  if (v instanceof Constant) return constantLabel(v);
  if (v.name) return v.name;
  return v instanceof SharedVariable ? '<shared>' : '<input>';
}

/** `<float32, (None, 1, 28, 28)>`. */
export function typeLabel(v: SymbolicTensor): string {
  return `<${v.dtype}, ${formatShape(v.shape)}>`;
}

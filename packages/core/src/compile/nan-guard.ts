import { NanGuardError } from '../errors';
import type { SymbolicTensor } from '../graph/node';
import { formatShape } from '../shape';
import { HostTensor } from '../host';
import type { NodeEvent, Value } from './executor';

/** What `compile(..., {nanGuard})` checks: NaN and infinite values (both by default), as Theano's NanGuardMode. */
export interface NanGuardOptions {
  nan?: boolean;
  inf?: boolean;
}

/** `{nanGuard: true}` → both checks; an object → its choices (each on unless false); falsy → off. */
export function nanGuardOptions(v: boolean | NanGuardOptions | undefined): Required<NanGuardOptions> | undefined {
  if (!v) return undefined;
  const o = v === true ? {} : v;
  return { nan: o.nan !== false, inf: o.inf !== false };
}

/** Counts of NaN and infinite values of a float value (0, 0 for other dtypes). */
function countBad(t: Value): { nan: number; inf: number } {
  if (t.dtype !== 'float32') return { nan: 0, inf: 0 };
  const d = (t instanceof HostTensor ? t.data : t.dataSync()) as Float32Array;
  let nan = 0;
  let inf = 0;
  for (let i = 0; i < d.length; i++) {
    const x = d[i];
    if (x !== x) nan++;
    else if (x === Infinity || x === -Infinity) inf++;
  }
  return { nan, inf };
}

/** `NaN (3 of 40 values)`, or undefined when nothing the guard checks is there. */
function finding(t: Value, guard: Required<NanGuardOptions>): { kind: 'NaN' | 'Inf'; text: string } | undefined {
  const { nan, inf } = countBad(t);
  const parts = [guard.nan && nan ? `NaN (${nan} of ${t.size} values)` : '', guard.inf && inf ? `Inf (${inf} of ${t.size} values)` : ''].filter(Boolean);
  if (!parts.length) return undefined;
  return { kind: guard.nan && nan ? 'NaN' : 'Inf', text: parts.join(' and ') };
}

function describeVar(v: SymbolicTensor): string {
  if (v.owner) return `from ${v.owner.op.name}`;
  return v.name ? `'${v.name}'` : v.toString();
}

/** Raises when an argument or shared value bound to the call already holds a value the guard refuses. */
export function checkBoundValues(values: readonly [SymbolicTensor, Value][], guard: Required<NanGuardOptions>, fname: string): void {
  for (const [v, t] of values) {
    const f = finding(t, guard);
    if (f) {
      throw new NanGuardError(`${fname}: nanGuard: the input ${describeVar(v)} (shape ${formatShape(t.shape)}) holds ${f.text} before any op ran.`, 'input', 0, [t.shape], f.kind);
    }
  }
}

/**
 * The executor hook of `{nanGuard}`: after each node, checks its float outputs; the first node
 * producing NaN or Inf stops the call with a NanGuardError naming the op, its place in the plan,
 * the output, and its inputs' run-time shapes.
 */
export function nanGuardHook(guard: Required<NanGuardOptions>, fname: string, steps: number): (e: NodeEvent) => void {
  return ({ index, node, outputs, inputs }) => {
    outputs.forEach((t, k) => {
      const f = finding(t, guard);
      if (!f) return;
      const ins = node.inputs.map((v, j) => `${inputs[j].dtype} ${formatShape(inputs[j].shape)} ${describeVar(v)}`).join(', ');
      throw new NanGuardError(
        `${fname}: nanGuard: ${node.op.name} (step ${index + 1} of ${steps}) produced ${f.text} in its output ${k} of shape ${formatShape(t.shape)}; ` +
          `its inputs: ${ins || 'none'}. It is the first op of this call to produce a value the guard refuses.`,
        node.op.name,
        index,
        inputs.map((x) => x.shape),
        f.kind,
      );
    });
  };
}

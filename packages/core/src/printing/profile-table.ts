import { z } from 'zod';
import type { ProfileData } from '../compile/profile';
import { GraphError } from '../errors';
import { parseOptions } from '../options';

/** What `formatProfile` reads: a compiled function (compiled with `{profile: true}`) or its `profile()` data. */
export type Profiled = ProfileData | { profile(): ProfileData; readonly profiling?: boolean; readonly graph?: { readonly name?: string } };

export interface FormatProfileOptions {
  /** Rows of the per-node table (Theano's "Apply" section; default 10, 0 leaves it out). */
  applies?: number;
  /** The title line's message (default: the function's name). */
  message?: string;
}

const Schema = z.object({ applies: z.number().int().min(0).optional(), message: z.string().optional() }).strict();

interface Row {
  ms: number;
  calls: number;
  applies: number;
  impl?: string;
  name: string;
}

const pct = (x: number) => `${x.toFixed(1)}%`;
const sec = (ms: number) => `${(ms / 1000).toFixed(3)}s`;
const sci = (ms: number) => `${(ms / 1000).toExponential(2)}s`;

/** Right-aligned columns, the last one (the name) left-aligned. */
function table(header: string[], rows: string[][]): string[] {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padStart(w[i]))).join('  ').trimEnd();
  return [fmt(header), ...rows.map(fmt)];
}

/** Rows with the share of the total and the running sum, largest first. */
function section(rows: Row[], total: number, label: string, showApplies: boolean, showImpl: boolean): string[] {
  let cum = 0;
  const body = [...rows]
    .sort((a, b) => b.ms - a.ms || a.name.localeCompare(b.name))
    .map((r) => {
      const share = total > 0 ? (100 * r.ms) / total : 0;
      cum += share;
      return [pct(share), pct(cum), sec(r.ms), r.calls ? sci(r.ms / r.calls) : '-', String(r.calls), ...(showApplies ? [String(r.applies)] : []), ...(showImpl ? [r.impl ?? '-'] : []), r.name];
    });
  const header = ['<% time>', '<sum %>', '<time>', '<time per call>', '<#call>', ...(showApplies ? ['<#apply>'] : []), ...(showImpl ? ['<impl>'] : []), label];
  return table(header, body);
}

/** The per-op table and the most expensive apply nodes. */
function opTables(data: ProfileData, opMs: number, nApply: number): string[] {
  const lines: string[] = [];
  const showImpl = data.nodes.some((n) => n.impl !== undefined);
  const byOp = new Map<string, Row>();
  for (const n of data.nodes) {
    const key = showImpl ? `${n.op}\u0000${n.impl ?? ''}` : n.op;
    const r = byOp.get(key) ?? { ms: 0, calls: 0, applies: 0, impl: n.impl, name: n.op };
    r.ms += n.ms;
    r.calls += n.calls;
    r.applies++;
    byOp.set(key, r);
  }
  lines.push('', 'Ops', '---', ...section([...byOp.values()], opMs, '<Op name>', true, showImpl));
  if (nApply > 0) {
    const top = [...data.nodes].sort((a, b) => b.ms - a.ms).slice(0, nApply);
    const rows = top.map((n) => ({ ms: n.ms, calls: n.calls, applies: 1, impl: n.impl, name: `#${n.step} ${n.label}` }));
    lines.push('', 'Apply', '-----', ...section(rows, opMs, '<Apply>', false, showImpl));
    if (data.nodes.length > top.length) {
      const restMs = opMs - top.reduce((a, n) => a + n.ms, 0);
      lines.push(`   ... (remaining ${data.nodes.length - top.length} apply nodes account for ${pct(opMs > 0 ? (100 * restMs) / opMs : 0)} (${sec(restMs)}) of the op time)`);
    }
  }
  return lines;
}

/**
 * Theano's profile report of a compiled function: the calls' wall time against the time spent in
 * ops, then per op (time, share of the op time, running share, calls, time per call, how many
 * nodes run it, sorted by time) and the most expensive apply nodes. When ops report which kernel
 * or lowering ran, an `<impl>` column says so. A Scan's step gets the same tables after the
 * function's (Theano's scan profile): its ops summed over every step run. Compile with `{profile: true}` (or set
 * LASAGNE_PROFILE=1), call the function, then print `formatProfile(fn)`. Times are wall clock
 * with the backend synchronised after each op (a read-back, except on wasm and cpu, whose kernels
 * finish before they return), so they add up but slow the function down on the GPU backends.
 *
 * @example
 * const x = vector('x');
 * const fn = compile([x], exp(x).sum(), { profile: true });
 * fn([1, 2, 3]);
 * formatProfile(fn); // 'Function profiling\n==================\n...Apply nodes: 2\n...#1 Sum{axis=(0,), keepdims=false}...'
 */
export function formatProfile(source: Profiled, options: FormatProfileOptions = {}): string {
  const o = parseOptions(Schema, options, 'formatProfile') as FormatProfileOptions;
  let data: ProfileData;
  let name: string | undefined;
  if (typeof source === 'function' || (typeof source === 'object' && source !== null && typeof (source as { profile?: unknown }).profile === 'function')) {
    const fn = source as Exclude<Profiled, ProfileData>;
    name = fn.graph?.name;
    data = fn.profile();
    if (fn.profiling === false && data.calls === 0) {
      throw new GraphError(`formatProfile: ${name ? `'${name}'` : 'the function'} was compiled without profiling; compile it with {profile: true} (or set LASAGNE_PROFILE=1, or set fn.profiling = true) and call it before printing its profile.`);
    }
  } else if (source && typeof source === 'object' && Array.isArray((source as ProfileData).nodes)) {
    data = source as ProfileData;
  } else {
    throw new GraphError('formatProfile: expected a compiled function or the data of fn.profile().');
  }
  const opMs = data.nodes.reduce((a, n) => a + n.ms, 0);
  const lines = [
    'Function profiling',
    '==================',
    `  Message: ${o.message ?? name ?? 'compiled function'}`,
    `  Time in ${data.calls} call${data.calls === 1 ? '' : 's'} to the function: ${sec(data.wallMs)}${data.calls ? ` (${sci(data.wallMs / data.calls)} per call)` : ''}`,
    `  Time in ops: ${sec(opMs)}${data.wallMs > 0 ? ` (${pct((100 * opMs) / data.wallMs)} of the calls' wall time; the rest is uploads, downloads, updates and bookkeeping)` : ''}`,
    `  Apply nodes: ${data.nodes.length}`,
  ];
  if (data.calls === 0) return [...lines, '', '  No calls yet: call the function before printing its profile.'].join('\n');
  lines.push(...opTables(data, opMs, o.applies ?? 10));
  for (const inner of data.inner ?? []) {
    const d = inner.data;
    const innerMs = d.nodes.reduce((a, n) => a + n.ms, 0);
    lines.push(
      '',
      `Inner graph of #${inner.step} ${inner.label}`,
      '='.repeat(`Inner graph of #${inner.step} ${inner.label}`.length),
      `  Steps run: ${d.calls} (${sec(d.wallMs)}, ${sci(d.calls ? d.wallMs / d.calls : 0)} per step; ${pct(opMs > 0 ? (100 * d.wallMs) / opMs : 0)} of the function's op time)`,
      `  Time in the step's ops: ${sec(innerMs)}${d.wallMs > 0 ? ` (${pct((100 * innerMs) / d.wallMs)} of the steps' wall time; the rest is binding and freeing per step)` : ''}`,
      `  Apply nodes: ${d.nodes.length}`,
      ...opTables(d, innerMs, o.applies ?? 10),
    );
  }
  return lines.join('\n');
}

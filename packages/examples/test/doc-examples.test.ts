/**
 * Docs as tests (Lasagne's docstrings carry runnable examples): every `@example` block in the
 * sources of core, layers and updates is extracted and run, with every export of core, layers,
 * objectives and updates in scope. Checks, written as the docs show results:
 * - a statement line whose trailing comment is a JSON value (`l.outputShape; // [null, 10]`)
 *   asserts the statement's value (numbers to 1e-5 relative; a HostTensor compares its values,
 *   flattened); so does `const v = ...; // value` for v;
 * - a trailing comment that is a single-quoted string asserts a string, `...` standing for any
 *   text (`toDot(y); // 'digraph "graph" {...'`);
 * - `console.log(x);` followed by comment lines asserts the printed text, line by line.
 * Any other trailing comment is prose. Every public layer class and update rule must have an
 * example. The convention is described in docs/ARCHITECTURE.md.
 */
import * as fs from 'fs';
import * as path from 'path';
import { transformSync } from '@swc/core';
import * as core from '@lasagne-ts/core';
import * as layers from '@lasagne-ts/layers';
import * as objectives from '@lasagne-ts/objectives';
import * as updates from '@lasagne-ts/updates';

const ROOT = path.join(__dirname, '..', '..');
const SOURCES = ['core', 'layers', 'updates'].map((p) => path.join(ROOT, p, 'src'));
const scope: Record<string, unknown> = { ...core, ...objectives, ...updates, ...layers, L: layers, T: core.T };

interface Example {
  file: string;
  line: number;
  /** The declaration the doc comment belongs to (`class DenseLayer`, `function sgd`). */
  owner: string;
  code: string;
}

const walk = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : e.name.endsWith('.ts') ? [path.join(d, e.name)] : []));

/** The `@example` blocks of a file's doc comments, each with the declaration that follows the comment. */
function examplesOf(file: string): Example[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: Example[] = [];
  for (const m of text.matchAll(/\/\*\*([\s\S]*?)\*\/\s*(?:export\s+)?(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?((?:class|function|const)\s+\w+)?/g)) {
    const lines = m[1].split('\n').map((l) => l.replace(/^\s*\* ?/, ''));
    const start = lines.findIndex((l) => /^@example\b/.test(l.trim()));
    if (start < 0) continue;
    const body: string[] = [];
    for (const l of lines.slice(start + 1)) {
      if (/^@\w+/.test(l.trim())) break;
      if (/^```/.test(l.trim())) continue;
      body.push(l);
    }
    const line = text.slice(0, m.index).split('\n').length;
    out.push({ file: path.relative(ROOT, file), line, owner: m[2] ?? '(no declaration)', code: body.join('\n').trim() });
  }
  return out;
}

/** What a trailing comment asserts, as code: a JSON value, a `'...'` pattern, or undefined (prose). */
function expectation(comment: string): string | undefined {
  try {
    JSON.parse(comment);
    return comment;
  } catch {
    return /^'(?:[^'\\]|\\.)*'$/.test(comment) ? `new __Pattern(${comment})` : undefined;
  }
}

/** Turns the documented results into checks (see the header). */
function withChecks(code: string): string {
  const lines = code.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    const where = JSON.stringify(`line ${i + 1}: ${l.trim()}`);
    const log = /^(\s*)console\.log\((.*)\);\s*$/.exec(l);
    if (log) {
      const printed: string[] = [];
      while (i + 1 < lines.length && /^\s*\/\/( |$)/.test(lines[i + 1])) printed.push(lines[++i].replace(/^\s*\/\/ ?/, ''));
      out.push(printed.length ? `${log[1]}__check(String(${log[2]}), ${JSON.stringify(printed.join('\n'))}, ${where});` : l);
      continue;
    }
    const m = /^(\s*)(.*?);\s*\/\/\s*(.+?)\s*$/.exec(l);
    const expected = m && expectation(m[3]);
    if (!m || !expected) {
      out.push(l);
      continue;
    }
    const decl = /^(?:const|let)\s+([A-Za-z_$][\w$]*)\s*=/.exec(m[2]);
    if (decl) out.push(`${m[1]}${m[2]};`, `${m[1]}__check(${decl[1]}, ${expected}, ${where});`);
    else if (/^(const|let|var|return|import|export)\b/.test(m[2])) out.push(l);
    else out.push(`${m[1]}__check(${m[2]}, ${expected}, ${where});`);
  }
  return out.join('\n');
}

/** An expected string in which `...` stands for any text (as doctest's ELLIPSIS). */
class Pattern {
  constructor(readonly text: string) {}
  matches(s: string): boolean {
    const parts = this.text.split('...');
    if (!s.startsWith(parts[0]) || !s.endsWith(parts[parts.length - 1]) || s.length < parts[0].length + parts[parts.length - 1].length) return false;
    let at = parts[0].length;
    for (const p of parts.slice(1, -1)) {
      const k = s.indexOf(p, at);
      if (k < 0) return false;
      at = k + p.length;
    }
    return at <= s.length - parts[parts.length - 1].length;
  }
}

function check(actual: unknown, expected: unknown, where: string): void {
  if (expected instanceof Pattern) {
    if (typeof actual !== 'string' || !expected.matches(actual)) throw new Error(`${where}: expected a string like ${JSON.stringify(expected.text)}, got ${JSON.stringify(actual)?.slice(0, 300)}`);
    return;
  }
  const norm = (v: unknown): unknown => (v instanceof core.HostTensor ? Array.from(v.data) : v);
  const a = norm(actual);
  const e = actual instanceof core.HostTensor && Array.isArray(expected) ? expected.flat(Infinity) : expected;
  const same = (x: unknown, y: unknown): boolean => {
    if (typeof x === 'number' && typeof y === 'number') return x === y || Math.abs(x - y) <= 1e-5 * Math.max(1, Math.abs(y));
    if (Array.isArray(x) && Array.isArray(y)) return x.length === y.length && x.every((v, i) => same(norm(v), y[i]));
    return Object.is(x, y);
  };
  if (!same(a, e)) throw new Error(`${where}: expected ${JSON.stringify(e)}, got ${JSON.stringify(a)}`);
}

/** Runs one example as an async function body, the exports it names in scope (and a quiet `console`). */
async function run(ex: Example): Promise<void> {
  const names = Object.keys(scope).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && new RegExp(`\\b${n.replace(/\$/g, '\\$')}\\b`).test(ex.code));
  const src = `async function __example(__s, __check, __Pattern, console) {\n  const { ${names.join(', ')} } = __s;\n  {\n${withChecks(ex.code)}\n  }\n}`;
  const js = transformSync(src, { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, isModule: false }).code;
  const fn = new Function(`${js}\nreturn __example;`)() as (s: Record<string, unknown>, c: typeof check, p: typeof Pattern, console: { log: (...a: unknown[]) => void }) => Promise<void>;
  await fn(scope, check, Pattern, { log: () => undefined });
}

const all = SOURCES.flatMap(walk).flatMap(examplesOf);

describe('@example blocks of core, layers and updates run as written', () => {
  it('finds examples in core, layers and updates', () => {
    expect(all.length).toBeGreaterThan(10);
    for (const pkg of ['core', 'layers', 'updates']) expect([pkg, all.some((ex) => ex.file.startsWith(`${pkg}/src/`))]).toEqual([pkg, true]);
  });
  it.each(all.map((ex) => [`${ex.file}:${ex.line} ${ex.owner}`, ex] as const))('%s', async (_name, ex) => {
    await run(ex);
  });
});

describe('every public layer and update rule has an @example', () => {
  const documentedNames = new Set(all.map((ex) => ex.owner.split(/\s+/)[1]));
  // An alias (`Deconv2DLayer = TransposedConv2DLayer`) shares its class's example.
  const documentedValues = new Set(Object.entries(layers).filter(([k]) => documentedNames.has(k)).map(([, v]) => v));
  const documented = { has: (k: string) => documentedNames.has(k) || documentedValues.has((layers as Record<string, unknown>)[k]) };
  /** Abstract bases: their subclasses' examples show them in use. */
  const BASES = new Set<unknown>([layers.Layer, layers.MergeLayer, layers.BaseConvLayer]);
  it('layers: every exported Layer class', () => {
    const missing = Object.entries(layers)
      .filter(([, v]) => typeof v === 'function' && v.prototype instanceof layers.Layer && !BASES.has(v))
      .map(([k]) => k)
      .filter((k) => !documented.has(k));
    expect(missing).toEqual([]);
  });
  it('updates: every exported rule and constraint', () => {
    const missing = Object.entries(updates)
      .filter(([, v]) => typeof v === 'function')
      .map(([k]) => k)
      .filter((k) => !documented.has(k));
    expect(missing).toEqual([]);
  });
});

/**
 * Docs as tests (Lasagne's docstrings carry runnable examples): every `@example` block in the
 * sources of layers and updates is extracted and run, with every export of core, layers,
 * objectives and updates in scope. A statement line whose trailing comment is a JSON value
 * (`l.outputShape; // [null, 10]`) asserts that the statement's value equals it (numbers to 1e-5
 * relative; a HostTensor compares its values, flattened). Every public layer class and update rule
 * must have an example. The convention is described in docs/ARCHITECTURE.md.
 */
import * as fs from 'fs';
import * as path from 'path';
import { transformSync } from '@swc/core';
import * as core from '@lasagne-ts/core';
import * as layers from '@lasagne-ts/layers';
import * as objectives from '@lasagne-ts/objectives';
import * as updates from '@lasagne-ts/updates';

const ROOT = path.join(__dirname, '..', '..');
const SOURCES = ['layers', 'updates'].map((p) => path.join(ROOT, p, 'src'));
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
  for (const m of text.matchAll(/\/\*\*([\s\S]*?)\*\/\s*(?:export\s+)?(?:declare\s+)?(?:abstract\s+)?((?:class|function|const)\s+\w+)?/g)) {
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

/** A statement line ending in `// <JSON value>` becomes a check of the statement's value. */
function withChecks(code: string): string {
  return code
    .split('\n')
    .map((l, i) => {
      const m = /^(\s*)(.*?);\s*\/\/\s*(.+?)\s*$/.exec(l);
      if (!m || /^(const|let|var|return|import|export)\b/.test(m[2])) return l;
      try {
        JSON.parse(m[3]);
      } catch {
        return l; // prose, not an expected value
      }
      return `${m[1]}__check(${m[2]}, ${m[3]}, ${JSON.stringify(`line ${i + 1}: ${l.trim()}`)});`;
    })
    .join('\n');
}

function check(actual: unknown, expected: unknown, where: string): void {
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

/** Runs one example as an async function body, the exports it names in scope. */
async function run(ex: Example): Promise<void> {
  const names = Object.keys(scope).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && new RegExp(`\\b${n.replace(/\$/g, '\\$')}\\b`).test(ex.code));
  const src = `async function __example(__s, __check) {\n  const { ${names.join(', ')} } = __s;\n  {\n${withChecks(ex.code)}\n  }\n}`;
  const js = transformSync(src, { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, isModule: false }).code;
  const fn = new Function(`${js}\nreturn __example;`)() as (s: Record<string, unknown>, c: typeof check) => Promise<void>;
  await fn(scope, check);
}

const all = SOURCES.flatMap(walk).flatMap(examplesOf);

describe('@example blocks of layers and updates run as written', () => {
  it('finds examples', () => expect(all.length).toBeGreaterThan(10));
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

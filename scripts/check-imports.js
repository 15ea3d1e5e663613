#!/usr/bin/env node
// Enforces the package import direction: core imports none of the others; layers, objectives
// and updates import only core; train imports those four; examples may import all. Inside
// core/src, no import cycles among modules (type-only imports do not count: they vanish at run time).
// And `type ST = SymbolicTensor` is declared once (graph/node.ts), not per file.
const fs = require('fs');
const path = require('path');
const allowed = { core: [], layers: ['core'], objectives: ['core'], updates: ['core'], train: ['core', 'layers', 'objectives', 'updates'], examples: ['core', 'layers', 'objectives', 'updates', 'train'] };
let bad = 0;
const walk = (d) => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
for (const [pkg, ok] of Object.entries(allowed)) {
  const src = path.join(__dirname, '..', 'packages', pkg, 'src');
  if (!fs.existsSync(src)) continue;
  for (const f of walk(src).filter((f) => f.endsWith('.ts'))) {
    for (const m of fs.readFileSync(f, 'utf8').matchAll(/from '@lasagne-ts\/([a-z]+)'/g)) {
      if (!ok.includes(m[1])) {
        console.error(`${path.relative(process.cwd(), f)}: ${pkg} must not import @lasagne-ts/${m[1]}`);
        bad++;
      }
    }
  }
}

/** The modules a file imports at run time (relative imports only, resolved to files). */
function runtimeImports(file) {
  const text = fs.readFileSync(file, 'utf8');
  const specs = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s+(type\s+)?([^;]*?)\s*from\s+'(\.[^']*)'/gms)) {
    const what = m[2].trim();
    const onlyTypes = m[1] || (what.startsWith('{') && what.slice(1, -1).split(',').map((x) => x.trim()).filter(Boolean).every((x) => x.startsWith('type ')));
    if (!onlyTypes) specs.push(m[3]);
  }
  for (const m of text.matchAll(/^\s*import\s+'(\.[^']*)'/gm)) specs.push(m[1]); // side-effect imports
  return specs.flatMap((spec) => {
    const base = path.resolve(path.dirname(file), spec);
    return [`${base}.ts`, path.join(base, 'index.ts')].filter((f) => fs.existsSync(f)).slice(0, 1);
  });
}

/** Strongly connected components with more than one module (Tarjan): each is an import cycle. */
function importCycles(files) {
  const edges = new Map(files.map((f) => [f, runtimeImports(f)]));
  const index = new Map(), low = new Map(), stack = [], onStack = new Set(), cycles = [];
  let next = 0;
  const visit = (v) => {
    index.set(v, next); low.set(v, next); next++;
    stack.push(v); onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) === index.get(v)) {
      const scc = [];
      let w;
      do { w = stack.pop(); onStack.delete(w); scc.push(w); } while (w !== v);
      if (scc.length > 1 || (edges.get(v) ?? []).includes(v)) cycles.push(scc);
    }
  };
  for (const f of files) if (!index.has(f)) visit(f);
  return cycles;
}

// One ST: the shorthand for SymbolicTensor is declared in core's graph/node.ts and imported elsewhere.
for (const pkg of Object.keys(allowed)) {
  const src = path.join(__dirname, '..', 'packages', pkg, 'src');
  if (!fs.existsSync(src)) continue;
  for (const f of walk(src).filter((f) => f.endsWith('.ts'))) {
    if (/^type ST = SymbolicTensor;/m.test(fs.readFileSync(f, 'utf8'))) {
      console.error(`${path.relative(process.cwd(), f)}: re-declares type ST; import it instead (import type { ST } from '@lasagne-ts/core', or from graph/node inside core)`);
      bad++;
    }
  }
}

const coreSrc = path.join(__dirname, '..', 'packages', 'core', 'src');
for (const scc of importCycles(walk(coreSrc).filter((f) => f.endsWith('.ts')))) {
  console.error(`import cycle in core/src among: ${scc.map((f) => path.relative(coreSrc, f)).sort().join(', ')}; move what they share into a module that imports none of them`);
  bad++;
}
if (bad) process.exit(1);
console.log('import directions ok; no import cycles in core/src; one ST');

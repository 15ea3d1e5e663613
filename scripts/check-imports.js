#!/usr/bin/env node
// Enforces the package import direction: core imports none of the others; layers, objectives
// and updates import only core; train imports those four; examples may import all.
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
if (bad) process.exit(1);
console.log('import directions ok');

#!/usr/bin/env node
// Run by each package's `prepack` after `tsc -b`: removes from dist/ what no current source
// produces (outputs of renamed or deleted files, which tsc never deletes), so a tarball packed
// from a working tree holds what a fresh clone's build holds.
const fs = require('fs');
const path = require('path');
const pkg = process.cwd();
const dist = path.join(pkg, 'dist');
const src = path.join(pkg, 'src');
const OUTPUT = /^(.*)\.(js|js\.map|d\.ts|d\.ts\.map)$/;
let removed = 0;
const walk = (dir) => {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, e.name);
    if (e.isDirectory()) {
      walk(file);
      if (fs.readdirSync(file).length === 0) fs.rmdirSync(file);
      continue;
    }
    const m = OUTPUT.exec(e.name);
    if (!m) continue;
    const rel = path.relative(dist, path.join(dir, m[1]));
    const stale = !['.ts', '.tsx', '.mts', '.cts'].some((ext) => fs.existsSync(path.join(src, rel + ext))) || e.name.endsWith('.d.ts.map');
    if (stale) {
      fs.rmSync(file);
      removed++;
    }
  }
};
if (fs.existsSync(dist)) walk(dist);
if (removed) console.log(`prune-dist: removed ${removed} stale file${removed > 1 ? 's' : ''} from ${path.relative(process.cwd(), dist) || dist}`);

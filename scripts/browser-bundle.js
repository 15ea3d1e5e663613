// Bundles an entry for browsers with esbuild and reports every Node built-in it reaches.
// Used by the browser-bundle test (sources), `pnpm web` (the demo page) and
// `node scripts/browser-bundle.js --packed` (a packed @lasagne-ts/core tarball, installed fresh).
const path = require('path');
const { builtinModules } = require('module');

const root = path.join(__dirname, '..');
const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
const isBuiltin = (p) => builtins.has(p) || p.startsWith('node:');

/**
 * esbuild plugin: `@lasagne-ts/<pkg>` resolves to that package's browser entry source
 * (`packages/<pkg>/src/browser.ts` when it has one, else `src/index.ts`), so the sources are
 * checked without a build.
 */
const workspaceSources = {
  name: 'lasagne-ts-sources',
  setup(build) {
    const fs = require('fs');
    build.onResolve({ filter: /^@lasagne-ts\/[a-z]+$/ }, (args) => {
      const dir = path.join(root, 'packages', args.path.split('/')[1], 'src');
      const browser = path.join(dir, 'browser.ts');
      return { path: fs.existsSync(browser) ? browser : path.join(dir, 'index.ts') };
    });
  },
};

/**
 * Every import of a Node built-in reached from `entry` when bundled for a browser: the ones
 * esbuild could not resolve (errors) and those a package maps away itself (tfjs' `browser` field
 * turns its optional Node paths into empty modules: listed as `disabled`, not counted as errors).
 */
async function bundleForBrowser(entry, { sources = true, outfile, format = 'iife', globalName, minify = false, absWorkingDir = root, write = false } = {}) {
  const esbuild = require('esbuild');
  let result;
  const problems = [];
  try {
    result = await esbuild.build({
      entryPoints: [entry],
      absWorkingDir,
      bundle: true,
      platform: 'browser',
      format,
      globalName,
      target: 'es2022',
      outfile: outfile ?? path.join(absWorkingDir, 'bundle.js'),
      write,
      minify,
      sourcemap: write ? 'linked' : false,
      metafile: true,
      logLevel: 'silent',
      plugins: sources ? [workspaceSources] : [],
    });
  } catch (e) {
    for (const err of e.errors ?? [e]) {
      const where = err.location ? `${err.location.file}:${err.location.line}` : '';
      problems.push(`${where}: ${err.text ?? err.message}`);
    }
    return { problems, disabled: [], code: undefined };
  }
  const disabled = [];
  for (const [file, input] of Object.entries(result.metafile.inputs)) {
    for (const imp of input.imports) {
      if (imp.external) problems.push(`${file}: external import '${imp.path}' left in the bundle`);
      else if (isBuiltin(imp.original ?? '') && !imp.path.startsWith('(disabled)')) problems.push(`${file}: imports the Node built-in '${imp.original}'`);
      else if (imp.path.startsWith('(disabled)')) disabled.push(`${file} -> ${imp.original}`);
    }
  }
  const code = result.outputFiles?.find((f) => f.path.endsWith('.js'))?.text;
  return { problems, disabled, code, metafile: result.metafile };
}

module.exports = { bundleForBrowser, isBuiltin };

// `--packed`: pack @lasagne-ts/core, install the tarball into a fresh directory with npm, bundle
// `import '@lasagne-ts/core'` for the browser from there (package.json exports, no workspace).
if (require.main === module && process.argv[2] === '--packed') {
  const { execFileSync } = require('child_process');
  const fs = require('fs');
  const os = require('os');
  (async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lasagne-packed-'));
    const pnpm = ['-y', 'pnpm@10.34.9'];
    execFileSync('npx', [...pnpm, 'pack', '--pack-destination', dir], { cwd: path.join(root, 'packages', 'core'), stdio: 'inherit' });
    const tgz = fs.readdirSync(dir).find((f) => f.endsWith('.tgz'));
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--omit=optional', `./${tgz}`, 'esbuild@0.28.2'], { cwd: dir, stdio: 'inherit' });
    fs.writeFileSync(path.join(dir, 'app.js'), "import { ready, vector, compile, describeBackend } from '@lasagne-ts/core';\nawait ready();\nconst x = vector('x');\nconsole.log(describeBackend(), compile([x], x.sum())([1, 2, 3.5]));\n");
    const r = await bundleForBrowser('app.js', { sources: false, absWorkingDir: dir, format: 'esm' });
    for (const p of r.problems) console.error(p);
    console.log(`${r.problems.length ? 'FAIL' : 'ok'}: ${tgz} bundled for the browser from ${dir}: ${r.problems.length} Node built-in problem(s), ${r.code ? (r.code.length / 1e6).toFixed(1) : 0} MB`);
    process.exitCode = r.problems.length ? 1 : 0;
  })().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}

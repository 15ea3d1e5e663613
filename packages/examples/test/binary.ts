import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The tests that spawn the real executables: where they are, building them when stale, and running them. */
export const root = resolve(__dirname, '../../..');
export const bin = join(root, 'packages/examples/dist/cli/mnist-train.js');
export const classicBin = join(root, 'packages/examples/dist/cli/classic.js');
/** `node -r` this to make writes under $FAIL_WRITES fail with ENOSPC. */
export const failWrites = join(__dirname, 'fixtures/fail-writes.js');

/** Newest modification time of the sources the binaries are built from. */
function newestSource(): number {
  let newest = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const pkg of readdirSync(join(root, 'packages'))) {
    const src = join(root, 'packages', pkg, 'src');
    if (existsSync(src)) walk(src);
  }
  return newest;
}

/** Builds the binaries unless they are newer than every source (tsc -b takes a while even when nothing changed). */
export function ensureBuilt(): void {
  if (!existsSync(bin) || !existsSync(classicBin) || Math.min(statSync(bin).mtimeMs, statSync(classicBin).mtimeMs) < newestSource()) {
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', 'packages/examples'], { cwd: root, stdio: 'pipe' });
  }
}

export interface Spawned {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from spawn to exit. */
  ms: number;
}

export interface SpawnOptions {
  /** Called on every output chunk with everything so far; `kill` sends a signal. */
  onOutput?: (stdout: string, stderr: string, kill: (sig: NodeJS.Signals) => void) => void;
  script?: string;
  env?: Record<string, string>;
  /** Arguments for node before the script (e.g. ['-r', failWrites]). */
  nodeArgs?: string[];
}

/** Runs an executable of this package with LASAGNE_BACKEND=cpu (unless `env` says otherwise). */
export function spawnCli(args: string[], options: SpawnOptions = {}): Promise<Spawned> {
  const t0 = Date.now();
  return new Promise((done, fail) => {
    const p = spawn(process.execPath, [...(options.nodeArgs ?? []), options.script ?? bin, ...args], {
      cwd: root,
      env: { ...process.env, LASAGNE_BACKEND: 'cpu', ...options.env },
    });
    let stdout = '';
    let stderr = '';
    const kill = (sig: NodeJS.Signals) => p.kill(sig);
    p.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      options.onOutput?.(stdout, stderr, kill);
    });
    p.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
      options.onOutput?.(stdout, stderr, kill);
    });
    p.on('error', fail);
    p.on('close', (code, signal) => done({ code, signal, stdout, stderr, ms: Date.now() - t0 }));
  });
}

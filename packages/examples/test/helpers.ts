import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, type CliIO } from '../src/cli/main';
import { makeSyntheticMnist } from '../src/data';

/** A fresh temp directory and its cleanup. */
export function tempDir(prefix = 'mnist-train-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A stream collecting what is written to it. */
export class Capture {
  text = '';
  isTTY = false;
  columns = 80;
  write(s: string): boolean {
    this.text += s;
    return true;
  }
  get lines(): string[] {
    return this.text.split('\n').filter((l, i, a) => !(i === a.length - 1 && l === ''));
  }
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  out: string[];
  err: string[];
}

/** Runs the CLI in-process with captured output. */
export async function runCli(argv: string[], extra: Partial<CliIO> = {}): Promise<CliRun> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(argv, { stdout, stderr, ...extra });
  return { code, stdout: stdout.text, stderr: stderr.text, out: stdout.lines, err: stderr.lines };
}

/** Synthetic MNIST (easy, learnable) in `dir`: 300 training images (200 train + 100 validation with --validation-size 100), 100 test. */
export function writeSyntheticData(dir: string, seed = 7): string {
  makeSyntheticMnist(dir, { train: 300, test: 100, seed });
  return dir;
}

/** Arguments for a quick run on synthetic data: a small custom MLP, batches of 50. */
export function quickArgs(dataDir: string, epochs = 2, model = 'custom_mlp:1,32,0.2,0.5', batchSize = 50): string[] {
  return [model, String(epochs), '--data-dir', dataDir, '--validation-size', '100', '--batch-size', String(batchSize), '--seed', '42', '--backend', 'cpu'];
}

/** Minimal well-formedness check: one root <svg>, every tag closed in order. */
export function expectWellFormedSvg(svg: string): void {
  expect(svg.startsWith('<?xml')).toBe(true);
  const body = svg.replace(/<\?xml[^>]*\?>/, '');
  const stack: string[] = [];
  for (const m of body.matchAll(/<(\/?)([a-zA-Z]+)([^>]*?)(\/?)>/g)) {
    const [, close, tag, , self] = m;
    if (self) continue;
    if (close) expect(stack.pop()).toBe(tag);
    else stack.push(tag);
  }
  expect(stack).toEqual([]);
  expect(body.trim().startsWith('<svg')).toBe(true);
  expect(body).toContain('xmlns="http://www.w3.org/2000/svg"');
  expect(body).not.toMatch(/NaN|undefined|Infinity/);
}


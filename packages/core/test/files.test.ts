/**
 * The one atomic-write helper: the old file survives every failure, no temporary file is left,
 * errors name the real path and the reason, temporary files of killed writers are removed, and
 * directories under /proc fail at once instead of hanging.
 */
import { spawnSync } from 'child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { directoryProblem, fileWriteProblem, FileWriteError, makeDirectory, processAlive, removeStaleTemps, writeFileAtomic } from '../src';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'files-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The id of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const pid = Number(r.stdout);
  expect(processAlive(pid)).toBe(false);
  return pid;
}

const fsModule = require('fs') as typeof import('fs');
const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

describe('writeFileAtomic', () => {
  test('writes, replaces, and leaves nothing else in the directory', () => {
    const p = join(dir, 'a.bin');
    writeFileAtomic(p, new Uint8Array([1, 2, 3]));
    expect([...readFileSync(p)]).toEqual([1, 2, 3]);
    writeFileAtomic(p, 'text');
    expect(readFileSync(p, 'utf8')).toBe('text');
    expect(readdirSync(dir)).toEqual(['a.bin']);
  });

  test('a full disk: FileWriteError naming the real path and ENOSPC; the old file intact, no temporary file', () => {
    const p = join(dir, 'p.npz');
    writeFileSync(p, 'old');
    const spy = jest.spyOn(fsModule, 'writeSync').mockImplementationOnce(() => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    });
    let err: unknown;
    try {
      writeFileAtomic(p, 'new', { what: 'the parameters' });
    } catch (e) {
      err = e;
    } finally {
      spy.mockRestore();
    }
    expect(err).toBeInstanceOf(FileWriteError);
    expect((err as Error).message).toBe(`cannot write the parameters ${p}: no space left on device (ENOSPC)`);
    expect((err as FileWriteError).path).toBe(p);
    expect((err as FileWriteError).code).toBe('ENOSPC');
    expect(readFileSync(p, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['p.npz']);
  });

  test('a missing directory, a directory as the target: errors naming them', () => {
    expect(() => writeFileAtomic(join(dir, 'no', 'sub', 'p.npz'), 'x')).toThrow(`cannot write the file ${join(dir, 'no', 'sub', 'p.npz')}: the directory ${join(dir, 'no', 'sub')} does not exist`);
    mkdirSync(join(dir, 'd'));
    expect(() => writeFileAtomic(join(dir, 'd'), 'x')).toThrow(`cannot write the file ${join(dir, 'd')}: it is a directory`);
    writeFileAtomic(join(dir, 'made', 'sub', 'p.npz'), 'x', { mkdir: true });
    expect(readFileSync(join(dir, 'made', 'sub', 'p.npz'), 'utf8')).toBe('x');
  });

  test('removes the temporary files of dead writers of the same target, keeps live and unrelated ones', () => {
    const dead = deadPid();
    const names = [
      `.p.npz.${dead}.abc123.tmp`, // this helper's name
      `.p.npz.${dead}.tmp`, // the old checkpoint writer's name
      `p.npz.${dead}.tmp`, // the old plot writer's name
      `.p.npz.${process.pid}.zzz999.tmp`, // a live writer (this process)
      `.q.npz.${dead}.abc123.tmp`, // another target
      'p.npz.notes',
    ];
    for (const n of names) writeFileSync(join(dir, n), 'partial');
    writeFileAtomic(join(dir, 'p.npz'), 'x');
    expect(readdirSync(dir).sort()).toEqual([`.p.npz.${process.pid}.zzz999.tmp`, `.q.npz.${dead}.abc123.tmp`, 'p.npz', 'p.npz.notes'].sort());
    expect(removeStaleTemps(join(dir, 'q.npz'))).toEqual([join(dir, `.q.npz.${dead}.abc123.tmp`)]);
  });
});

describe('output locations checked up front', () => {
  test('fileWriteProblem: fine, missing directory, directory target, /proc', () => {
    expect(fileWriteProblem(join(dir, 'p.npz'))).toBeUndefined();
    expect(readdirSync(dir)).toEqual([]); // the probe is removed
    expect(fileWriteProblem(join(dir, 'nodir', 'sub', 'p.npz'))).toBe(`the directory ${join(dir, 'nodir', 'sub')} does not exist; create it first`);
    expect(fileWriteProblem(dir)).toBe(`${dir} is a directory; give a file name`);
    expect(fileWriteProblem('/proc/c.svg')).toMatch(/^cannot create files in \/proc: /);
  });

  (asRoot ? test.skip : test)('fileWriteProblem: a read-only directory (skipped as root, who may write anyway)', () => {
    chmodSync(dir, 0o555);
    try {
      expect(fileWriteProblem(join(dir, 'p.npz'))).toBe(`cannot create files in ${dir}: permission denied (EACCES)`);
    } finally {
      chmodSync(dir, 0o755);
    }
  });

  test('directoryProblem creates missing directories; under /proc it fails at once (Node recursive mkdir hangs there)', () => {
    expect(directoryProblem(join(dir, 'a', 'b'), { create: true })).toBeUndefined();
    expect(readdirSync(join(dir, 'a'))).toEqual(['b']);
    expect(directoryProblem(join(dir, 'x'))).toBe(`the directory ${join(dir, 'x')} does not exist`);
    writeFileSync(join(dir, 'f'), '');
    expect(directoryProblem(join(dir, 'f'), { create: true })).toBe(`${join(dir, 'f')} exists and is not a directory`);
    const t0 = Date.now();
    expect(directoryProblem('/proc/ck', { create: true })).toMatch(/^cannot create the directory \/proc\/ck: /);
    expect(() => makeDirectory('/proc/ck/sub')).toThrow(FileWriteError);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});

test('fileWriteProblem with mkdir creates the directory, and names what is in the way', () => {
  expect(fileWriteProblem(join(dir, 'a', 'b', 'p.npz'), { mkdir: true })).toBeUndefined();
  expect(readdirSync(join(dir, 'a'))).toEqual(['b']);
  writeFileSync(join(dir, 'f'), '');
  expect(fileWriteProblem(join(dir, 'f', 'p.npz'), { mkdir: true })).toBe(`${join(dir, 'f')} is not a directory`);
  expect(fileWriteProblem('/proc/ck/c.svg', { mkdir: true })).toMatch(/^cannot create the directory \/proc\/ck: /);
});

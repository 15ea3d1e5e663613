import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  MNIST_GZ_SHA256,
  MNIST_MIRRORS,
  downloadVerified,
  loadMnist,
  makeSyntheticMnist,
  type FetchLike,
} from '../../src/data';
import { catchErrorAsync, tempDir } from './helpers';

const GZ_NAMES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];

/** A fake fetch serving `files` by name from every URL, except where `serve` says otherwise; never touches the network. */
function fakeFetch(files: Record<string, Uint8Array>, serve: (url: string) => Uint8Array | number | Error | undefined = () => undefined) {
  const calls: string[] = [];
  const fn: FetchLike = async (url) => {
    calls.push(url);
    const special = serve(url);
    if (special instanceof Error) throw special;
    const body = special ?? files[url.slice(url.lastIndexOf('/') + 1)];
    if (typeof special === 'number' || body === undefined || typeof body === 'number') {
      return { ok: false, status: typeof special === 'number' ? special : 404, arrayBuffer: async () => new ArrayBuffer(0) };
    }
    const copy = Uint8Array.from(body);
    return { ok: true, status: 200, arrayBuffer: async () => copy.buffer };
  };
  return { fn, calls };
}

describe('downloading MNIST', () => {
  const { dir: root, cleanup } = tempDir();
  afterAll(cleanup);
  const savedEnv = process.env.MNIST_DIR;
  beforeAll(() => delete process.env.MNIST_DIR);
  afterAll(() => {
    if (savedEnv !== undefined) process.env.MNIST_DIR = savedEnv;
  });

  // Small valid gzipped IDX payloads standing in for the real files, with their hashes.
  makeSyntheticMnist(join(root, 'payload'), { train: 12, test: 4, seed: 3, gzip: true });
  const payload: Record<string, Uint8Array> = {};
  const sha: Record<string, string> = {};
  for (const name of GZ_NAMES) {
    payload[name] = readFileSync(join(root, 'payload', name));
    sha[name] = createHash('sha256').update(payload[name]).digest('hex');
  }

  test('known hashes are the four standard .gz files', () => {
    expect(Object.keys(MNIST_GZ_SHA256).sort()).toEqual([...GZ_NAMES].sort());
    for (const h of Object.values(MNIST_GZ_SHA256)) expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(MNIST_MIRRORS[0]).toBe('https://ossci-datasets.s3.amazonaws.com/mnist/');
  });

  test('correct bytes are cached, verified and loaded; the next load uses the cache', async () => {
    const cacheDir = join(root, 'cache-ok');
    // The first mirror lacks the train labels: the second must be tried.
    const fake = fakeFetch(payload, (url) => (url === `${MNIST_MIRRORS[0]}train-labels-idx1-ubyte.gz` ? 404 : undefined));
    const logs: string[] = [];
    const data = await loadMnist({
      usePackage: false, cacheDir, fetch: fake.fn, expectedSha256: sha, validationSize: 2, log: (m) => logs.push(m),
    });
    expect(data.source).toBe(`download cache ${cacheDir}`);
    expect([data.train.count, data.val.count, data.test.count]).toEqual([10, 2, 4]);
    expect(fake.calls).toEqual([
      `${MNIST_MIRRORS[0]}train-images-idx3-ubyte.gz`,
      `${MNIST_MIRRORS[0]}train-labels-idx1-ubyte.gz`,
      `${MNIST_MIRRORS[1]}train-labels-idx1-ubyte.gz`,
      `${MNIST_MIRRORS[0]}t10k-images-idx3-ubyte.gz`,
      `${MNIST_MIRRORS[0]}t10k-labels-idx1-ubyte.gz`,
    ]);
    expect(readdirSync(cacheDir).sort()).toEqual([...GZ_NAMES].sort());
    for (const name of GZ_NAMES) expect(Buffer.from(readFileSync(join(cacheDir, name))).equals(payload[name])).toBe(true);
    expect(logs.some((m) => m.includes('HTTP 404'))).toBe(true);

    const again = fakeFetch(payload);
    const cached = await loadMnist({ usePackage: false, cacheDir, fetch: again.fn, expectedSha256: sha, validationSize: 2 });
    expect(again.calls).toEqual([]);
    expect(cached.source).toBe(`cache ${cacheDir}`);
    expect(Array.from(cached.test.labels)).toEqual(Array.from(data.test.labels));
  });

  test('wrong bytes: DataError with expected and actual hash, nothing left in the cache dir', async () => {
    const cacheDir = join(root, 'cache-bad');
    const evil = new Uint8Array([1, 2, 3]);
    const evilSha = createHash('sha256').update(evil).digest('hex');
    const fake = fakeFetch(payload, () => evil);
    const err = await catchErrorAsync(() => downloadVerified('train-labels-idx1-ubyte.gz', cacheDir, { fetch: fake.fn, expectedSha256: sha }));
    expect(err.code).toBe('checksum');
    expect(err.message).toContain(join(cacheDir, 'train-labels-idx1-ubyte.gz'));
    expect(err.message).toContain(`expected SHA-256 ${sha['train-labels-idx1-ubyte.gz']}, got ${evilSha}`);
    expect(fake.calls.length).toBe(MNIST_MIRRORS.length);
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  test('wrong bytes through loadMnist leave no partial or temp file', async () => {
    const cacheDir = join(root, 'cache-bad2');
    const fake = fakeFetch(payload, (url) => (url.endsWith('t10k-images-idx3-ubyte.gz') ? payload['train-images-idx3-ubyte.gz'] : undefined));
    const err = await catchErrorAsync(() => loadMnist({ usePackage: false, cacheDir, fetch: fake.fn, expectedSha256: sha }));
    expect(err.code).toBe('checksum');
    expect(err.message).toContain('t10k-images-idx3-ubyte.gz');
    const left = readdirSync(cacheDir);
    expect(left).not.toContain('t10k-images-idx3-ubyte.gz');
    expect(left.filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  test('the real hashes are checked by default', async () => {
    const cacheDir = join(root, 'cache-default');
    const fake = fakeFetch(payload);
    const err = await catchErrorAsync(() => downloadVerified('t10k-labels-idx1-ubyte.gz', cacheDir, { fetch: fake.fn }));
    expect(err.message).toContain(`expected SHA-256 ${MNIST_GZ_SHA256['t10k-labels-idx1-ubyte.gz']}, got ${sha['t10k-labels-idx1-ubyte.gz']}`);
    expect(existsSync(join(cacheDir, 't10k-labels-idx1-ubyte.gz'))).toBe(false);
  });

  test('network failure on every mirror is a download-failed DataError listing them', async () => {
    const cacheDir = join(root, 'cache-offline');
    const fake = fakeFetch(payload, () => new Error('getaddrinfo ENOTFOUND'));
    const err = await catchErrorAsync(() => downloadVerified('t10k-labels-idx1-ubyte.gz', cacheDir, { fetch: fake.fn }));
    expect(err.code).toBe('download-failed');
    for (const m of MNIST_MIRRORS) expect(err.message).toContain(`${m}t10k-labels-idx1-ubyte.gz: getaddrinfo ENOTFOUND`);
    expect(err.message).toMatch(/--data-dir/);
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  test('download: false with nothing local is a not-found DataError, without fetching', async () => {
    const fake = fakeFetch(payload);
    const cacheDir = join(root, 'cache-empty');
    const err = await catchErrorAsync(() => loadMnist({ usePackage: false, download: false, cacheDir, fetch: fake.fn }));
    expect(err.code).toBe('not-found');
    expect(err.message).toContain(cacheDir);
    expect(err.message).toContain('train-images-idx3-ubyte');
    expect(fake.calls).toEqual([]);
  });
});

/** Test helper: runs code with LASAGNE_DNNL set (undefined: unset), oneDNN reloaded before and after. */
import { resetDnnlForTests } from '../src/backend/native/dnnl';

export function withDnnl<T>(setting: string | undefined, body: () => T): T {
  const saved = process.env.LASAGNE_DNNL;
  if (setting === undefined) delete process.env.LASAGNE_DNNL;
  else process.env.LASAGNE_DNNL = setting;
  resetDnnlForTests();
  try {
    return body();
  } finally {
    if (saved === undefined) delete process.env.LASAGNE_DNNL;
    else process.env.LASAGNE_DNNL = saved;
    resetDnnlForTests();
  }
}

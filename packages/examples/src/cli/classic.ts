#!/usr/bin/env node
/** The `lasagne-classic` executable: the classic Theano/NumPy MNIST programs. See ../../README.md. */
import { classicMain } from './classic-main';

// `lasagne-classic ... | head` closes the pipe early: stop quietly rather than with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

classicMain(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // classicMain reports every error itself; this is only reached by a bug in the reporting.
    process.stderr.write(`lasagne-classic: error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);

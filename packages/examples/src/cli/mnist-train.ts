#!/usr/bin/env node
/** The `mnist-train` executable: Lasagne's mnist.py on lasagne-ts. See ../../README.md. */
import { main } from './main';

// `mnist-train ... | head` closes the pipe early: stop quietly rather than with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // main reports every error itself; this is only reached by a bug in the reporting.
    process.stderr.write(`mnist-train: error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);

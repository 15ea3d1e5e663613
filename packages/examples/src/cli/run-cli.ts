/**
 * The shell of every executable of this package: a closed pipe (`... | head`) ends it quietly, the
 * entry point's result becomes the exit code, and an error escaping the entry point (only a bug
 * in its own reporting) is one line, not a stack trace.
 */
export function runCli(name: string, entry: (argv: string[]) => Promise<number>): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  entry(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`${name}: error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}

import { formatProfile, renderGraph } from '@lasagne-ts/core';

/** `--graph FILE` and `--profile`: what the CLIs show of the compiled training function. */
export interface InspectOptions {
  /** Write the compiled training function's graph to this file: `.svg` (a picture, drawn by `renderGraph`) or `.dot`/`.gv` (Graphviz text). */
  graph?: string;
  /** Profile the compiled training function and print its profile table (`formatProfile`) after the first epoch. */
  profile?: boolean;
}

/** The file extensions `--graph` accepts. */
export const GRAPH_EXTENSIONS = ['.svg', '.dot', '.gv'] as const;

type Inspectable = Parameters<typeof renderGraph>[0] & Parameters<typeof formatProfile>[0] & { profiling?: boolean };

/**
 * Right after compiling: writes the training function's graph (`options.graph`, saying so
 * through `notice`) and returns the end-of-epoch callback that prints its profile table
 * (`options.profile`) once, after the first epoch of this run, through `print`, then turns
 * profiling off: profiled times are measured with the backend synchronised after every op, which
 * the remaining epochs need not pay for.
 */
export async function inspectTraining(fn: Inspectable, options: InspectOptions, notice: (line: string) => void, print: (text: string) => void = notice): Promise<() => void> {
  if (options.graph) {
    await renderGraph(fn, options.graph);
    notice(`wrote the graph of the compiled training function to ${options.graph}`);
  }
  let pending = options.profile === true;
  return () => {
    if (!pending) return;
    pending = false;
    print(formatProfile(fn));
    fn.profiling = false;
  };
}

/**
 * @lasagne-ts/examples: Lasagne's mnist.py as a library (networks, data, training loop) and as
 * the `mnist-train` command, and the classic Theano/NumPy MNIST programs (`lasagne-classic`).
 * See README.md.
 */
export * from './data';
export {
  buildMlp,
  buildCustomMlp,
  buildCnn,
  parseModelSpec,
  formatModelSpec,
  modelBuilder,
  ModelSpecError,
  type CustomMlpOptions,
  type ModelSpec,
} from './models';
/** The training loop, checkpoints, minibatches and mnist.py's lines live in @lasagne-ts/train. */
export * from '@lasagne-ts/train';
export { renderCurvesSvg, writeCurvesSvg, niceTicks, type CurvePoint, type PlotOptions } from './plot';
export { ProgressBar, type ProgressOptions, type ProgressStream } from './progress';
export { inspectTraining, GRAPH_EXTENSIONS, type InspectOptions } from './inspect';
export { main, EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED, type CliIO } from './cli/main';
export { parseArgs, UsageError, USAGE_TEXT, type CliOptions, type ParsedArgs } from './cli/args';
export * from './classic';
export { encodePng, writePng, crc32, type RasterImage } from './png';
export { classicMain, parseClassicArgs, CLASSIC_PROGRAMS, type ClassicProgram, type ClassicParsedArgs } from './cli/classic-main';

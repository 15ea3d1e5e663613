/**
 * Which of mnist.py's networks a list of parameter shapes (in `getAllParams` order) belongs to,
 * as a MODEL string, or undefined. Dropout rates leave no parameters, so a `custom_mlp` is
 * named with mnist.py's default rates (evaluation is deterministic: they do not matter there).
 */
export function modelFromParamShapes(shapes: readonly (readonly number[])[]): string | undefined {
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
  const cnn = [[32, 1, 5, 5], [32], [32, 32, 5, 5], [32], [512, 256], [256], [256, 10], [10]];
  if (shapes.length === cnn.length && shapes.every((s, i) => same(s, cnn[i]))) return 'cnn';
  if (shapes.length < 2 || shapes.length % 2) return undefined;
  const depth = shapes.length / 2 - 1;
  const width = depth ? shapes[0][1] : 0;
  let fanIn = 784;
  for (let l = 0; l <= depth; l++) {
    const units = l === depth ? 10 : width;
    if (!same(shapes[2 * l], [fanIn, units]) || !same(shapes[2 * l + 1], [units])) return undefined;
    fanIn = units;
  }
  return depth === 2 && width === 800 ? 'mlp' : `custom_mlp:${depth},${width},0.2,0.5`;
}

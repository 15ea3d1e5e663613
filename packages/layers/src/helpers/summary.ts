import { formatShape, type SharedVariable } from '@lasagne-ts/core';
import type { Layer } from '../base';
import { getAllLayers } from './get-all-layers';
import { countParams } from './params';

function size(p: SharedVariable): number {
  const s = p.shape.every((d) => d !== null) ? (p.shape as number[]) : p.get().shape;
  return s.reduce((a, b) => a * b, 1);
}

const thousands = (n: number) => n.toLocaleString('en-US');

/**
 * A table of the network, like Keras' `model.summary()`: one row per layer in `getAllLayers`
 * order (name and class, output shape, parameter count), then the totals. A parameter shared by
 * several layers is counted in the first row that uses it, so the rows add up to the total.
 * Networks that are not a plain chain get a column naming each layer's inputs (by row number).
 *
 * @example
 * const net = new DenseLayer(new InputLayer([null, 784]), { numUnits: 10, name: 'out' });
 * summary(net).split('\n').at(-3); // "Total params: 7,850"
 */
export function summary(layerOrLayers: Layer | readonly Layer[]): string {
  const layers = getAllLayers(layerOrLayers);
  const index = new Map(layers.map((l, i) => [l, i]));
  const chain = layers.every((l, i) => (i === 0 ? l.inputLayers.length === 0 : l.inputLayers.length === 1 && l.inputLayers[0] === layers[i - 1]));
  const seen = new Set<SharedVariable>();
  const rows = layers.map((l, i) => {
    let params = 0;
    for (const p of l.getParams()) {
      if (seen.has(p)) continue;
      seen.add(p);
      params += size(p);
    }
    const type = l.constructor.name;
    const from = l.inputLayers.map((x) => (x ? `#${index.get(x)}` : 'shape')).join(', ');
    return [`#${i}`, l.name !== undefined ? `${l.name} (${type})` : type, formatShape(l.outputShape), thousands(params), from];
  });
  const header = ['#', 'Layer (type)', 'Output shape', 'Params', 'Inputs'];
  const columns = chain ? 4 : 5;
  const table = [header, ...rows].map((r) => r.slice(0, columns));
  const widths = header.slice(0, columns).map((_, c) => Math.max(...table.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 3 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  const width = widths.reduce((a, b) => a + b, 0) + 2 * (columns - 1);
  const total = countParams(layers);
  const trainable = countParams(layers, { trainable: true });
  return [
    line(table[0]),
    '='.repeat(width),
    ...table.slice(1).map(line),
    '='.repeat(width),
    `Total params: ${thousands(total)}`,
    `Trainable params: ${thousands(trainable)}`,
    `Non-trainable params: ${thousands(total - trainable)}`,
  ].join('\n');
}

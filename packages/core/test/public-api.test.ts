/**
 * The package entry exports what users call; helpers the op modules share among themselves stay
 * inside (ops/index.ts lists the public names of the modules that have such helpers).
 */
import * as core from '@lasagne-ts/core';

const INTERNAL = ['logRaw', 'sameElemwise', 'sumToShape', 'wrapIndices', 'nativeOperands', 'dnnlGemmUsable', 'reshapeLike', 'poolOutLength', 'tryStabilizeLog', 'convConfig', 'convPads', 'convOutLength', 'checkBorderMode', 'dilateFilters', 'convInputGrad'];

test('internal op helpers are not exported, nor in T', () => {
  for (const name of INTERNAL) {
    expect([name, name in core]).toEqual([name, false]);
    expect([name, name in core.T]).toEqual([name, false]);
  }
});

test('the public builders and op classes are', () => {
  for (const name of ['log', 'add', 'sum', 'isElemwise', 'Elemwise', 'ReluGrad', 'broadcastLike', 'BroadcastLike', 'reshape', 'flatten', 'ReshapeLike', 'pool2d', 'Pool2D', 'where', 'switch_', 'clip', 'conv2d', 'Conv2D', 'Conv2DBiasRelu', 'convTranspose2d', 'ConvTranspose2D']) {
    expect([name, name in core]).toEqual([name, true]);
  }
  // `log` is the self-stabilising one: log(softmax(x)) becomes logSoftmax when compiled.
  const x = core.matrix('x');
  expect(core.compile([x], core.log(core.softmax(x))).ops).toEqual(['LogSoftmax']);
});

/**
 * The Theano deep-learning tutorial's convolutional_mlp.py (`evaluate_lenet5`): LeNet-5 as the
 * tutorial simplifies it. conv 20@5x5 → max-pool 2 → tanh, conv 50@5x5 → max-pool 2 → tanh (bias
 * and tanh after the pooling), a 500-unit tanh `HiddenLayer`, a softmax `LogisticRegression`;
 * plain SGD through `updates` on minibatches picked by index through `givens`, and the
 * tutorial's patience loop.
 */
import { compile, grad, iscalar, ivector, matrix, setSeed, type CompiledFunction, type SharedVariable, type SymbolicTensor } from '@lasagne-ts/core';
import { pyFixed } from '@lasagne-ts/train';
import {
  checkInt,
  ClassicOptionsError,
  classicData,
  inspectClassic,
  minibatchGivens,
  needBatches,
  patienceLoop,
  sharedDataset,
  type ClassicCommonOptions,
  type ClassicIO,
  type PatienceLoopResult,
} from './common';
import { HiddenLayer, LeNetConvPoolLayer, LogisticRegression } from './tutorial-layers';

export interface LenetOptions extends ClassicCommonOptions {
  /** Default 0.1. */
  learningRate?: number;
  /** `n_epochs`, default 200. */
  epochs?: number;
  /** Default 500. */
  batchSize?: number;
  /** Kernels of the two convolutional layers (default [20, 50]). */
  nkerns?: readonly [number, number];
  /** Units of the hidden layer (default 500). */
  hiddenUnits?: number;
  /** Default 10000. */
  patience?: number;
  /** Seed of the weight init (default 23455, the tutorial's `RandomState(23455)`). */
  seed?: number;
}

export interface LenetResult extends PatienceLoopResult {
  layers: [LeNetConvPoolLayer, LeNetConvPoolLayer, HiddenLayer, LogisticRegression];
  params: SharedVariable[];
  trainModel: CompiledFunction<number>;
  validateModel: CompiledFunction<number>;
  testModel: CompiledFunction<number>;
}

/** The network of `evaluate_lenet5` on the symbolic minibatch `x` (rows of 784 pixels). */
export function buildLenet5(x: SymbolicTensor, batchSize: number, nkerns: readonly [number, number] = [20, 50], hiddenUnits = 500): LenetResult['layers'] {
  // Reshape the matrix of rasterized images of shape (batch_size, 28 * 28) to a 4D tensor.
  const layer0Input = x.reshape([batchSize, 1, 28, 28]);
  // Filtering reduces the image size to (28-5+1, 28-5+1) = (24, 24), max-pooling to (12, 12).
  const layer0 = new LeNetConvPoolLayer(layer0Input, [nkerns[0], 1, 5, 5], [batchSize, 1, 28, 28], [2, 2]);
  // (12-5+1, 12-5+1) = (8, 8), then (4, 4).
  const layer1 = new LeNetConvPoolLayer(layer0.output, [nkerns[1], nkerns[0], 5, 5], [batchSize, nkerns[0], 12, 12], [2, 2]);
  // The fully-connected layer works on (batch_size, nkerns[1] * 4 * 4) matrices.
  const layer2 = new HiddenLayer(layer1.output.flatten(2), nkerns[1] * 4 * 4, hiddenUnits);
  const layer3 = new LogisticRegression(layer2.output, hiddenUnits, 10);
  return [layer0, layer1, layer2, layer3];
}

/** Runs convolutional_mlp.py; prints its lines through `io.out`. */
export async function runLenet(options: LenetOptions = {}, io: ClassicIO): Promise<LenetResult> {
  const learningRate = options.learningRate ?? 0.1;
  const nEpochs = options.epochs ?? 200;
  const batchSize = options.batchSize ?? 500;
  const nkerns = options.nkerns ?? [20, 50];
  const hiddenUnits = options.hiddenUnits ?? 500;
  const patience = options.patience ?? 10000;
  checkInt(nEpochs, 'epochs');
  checkInt(batchSize, 'batchSize');
  checkInt(patience, 'patience');
  checkInt(hiddenUnits, 'hiddenUnits');
  nkerns.forEach((k, i) => checkInt(k, `nkerns[${i}]`));
  if (!(learningRate > 0 && Number.isFinite(learningRate))) throw new ClassicOptionsError(`learningRate must be a positive number, got ${learningRate}`);

  io.out('... loading data');
  const data = await classicData(options, io);
  const nTrainBatches = needBatches(data.train, batchSize, 'training');
  const nValidBatches = needBatches(data.val, batchSize, 'validation');
  const nTestBatches = needBatches(data.test, batchSize, 'test');
  const trainSet = sharedDataset(data.train, 'train');
  const validSet = sharedDataset(data.val, 'valid');
  const testSet = sharedDataset(data.test, 'test');

  io.out('... building the model');
  setSeed(options.seed ?? 23455);
  const index = iscalar('index');
  const x = matrix('x');
  const y = ivector('y');
  const layers = buildLenet5(x, batchSize, nkerns, hiddenUnits);
  const [layer0, layer1, layer2, layer3] = layers;
  const cost = layer3.negativeLogLikelihood(y);

  const testModel = compile([index], layer3.errors(y), { givens: minibatchGivens(x, y, testSet, index, batchSize), name: 'test_model' }) as CompiledFunction<number>;
  const validateModel = compile([index], layer3.errors(y), { givens: minibatchGivens(x, y, validSet, index, batchSize), name: 'validate_model' }) as CompiledFunction<number>;
  // All the model parameters to be fit by gradient descent, and their gradients.
  const params = [...layer3.params, ...layer2.params, ...layer1.params, ...layer0.params];
  const grads = grad(cost, params);
  const updates = params.map((p, i) => [p, p.sub(grads[i].mul(learningRate))] as [SharedVariable, SymbolicTensor]);
  const trainModel = compile([index], cost, { updates, givens: minibatchGivens(x, y, trainSet, index, batchSize), name: 'train_model', profile: options.profile }) as CompiledFunction<number>;
  const onEpoch = await inspectClassic(trainModel, options, io);

  io.out('... training');
  // The asynchronous calls run on every backend (webgpu reads results only asynchronously).
  const r = await patienceLoop({
    nEpochs,
    nTrainBatches,
    nValidBatches,
    nTestBatches,
    trainModel: (i) => trainModel.async(i),
    validateModel: (i) => validateModel.async(i),
    testModel: (i) => testModel.async(i),
    patience,
    out: io.out,
    onEpoch,
    beforeIter: (iter) => {
      if (iter % 100 === 0) io.out(`training @ iter =  ${iter}`);
    },
  });
  io.out('Optimization complete.');
  io.out(`Best validation score of ${pyFixed(r.bestValidationLoss * 100, 6)} % obtained at iteration ${r.bestIter + 1}, with test performance ${pyFixed(r.testScore * 100, 6)} %`);
  io.err?.(`The code for file convolutional_mlp.py ran for ${pyFixed(r.seconds / 60, 2)}m`);
  return { ...r, layers, params, trainModel, validateModel, testModel };
}

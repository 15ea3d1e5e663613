/**
 * The Theano deep-learning tutorial's logistic_sgd.py (`sgd_optimization_mnist`): a 784→10
 * softmax trained by minibatch SGD on the negative log-likelihood, the whole data set in shared
 * variables, each minibatch picked by an integer index through `givens`, and early stopping with
 * the tutorial's patience rule.
 */
import { compile, grad, iscalar, ivector, matrix, setSeed, type CompiledFunction, type SharedVariable } from '@lasagne-ts/core';
import { encodeNpz, writeFileAtomic } from '@lasagne-ts/layers';
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
import { pyFixed } from '@lasagne-ts/train';
import { LogisticRegression } from './tutorial-layers';

export interface LogregOptions extends ClassicCommonOptions {
  /** Default 0.13. */
  learningRate?: number;
  /** `n_epochs`, default 1000 (early stopping usually ends it first). */
  epochs?: number;
  /** Default 600. */
  batchSize?: number;
  /** Default 5000 (minibatches to look at regardless). */
  patience?: number;
  /** Save the best model's W and b (`.npz`, arrays `W` and `b`) where the tutorial pickles best_model.pkl. */
  save?: string;
}

export interface LogregResult extends PatienceLoopResult {
  classifier: LogisticRegression;
  trainModel: CompiledFunction<number>;
  validateModel: CompiledFunction<number>;
  testModel: CompiledFunction<number>;
  /** Where the best model went (with `save`). */
  savedTo?: string;
}

async function saveModel(file: string, params: SharedVariable[]): Promise<string> {
  const path = file.toLowerCase().endsWith('.npz') ? file : `${file}.npz`;
  const values = await Promise.all(params.map((p) => p.read()));
  writeFileAtomic(path, encodeNpz(new Map(params.map((p, i) => [p.name ?? `arr_${i}`, values[i]]))), { what: 'the best model' });
  return path;
}

/** Runs logistic_sgd.py; prints its lines through `io.out`. */
export async function runLogreg(options: LogregOptions = {}, io: ClassicIO): Promise<LogregResult> {
  const learningRate = options.learningRate ?? 0.13;
  const nEpochs = options.epochs ?? 1000;
  const batchSize = options.batchSize ?? 600;
  const patience = options.patience ?? 5000;
  checkInt(nEpochs, 'epochs');
  checkInt(batchSize, 'batchSize');
  checkInt(patience, 'patience');
  if (!(learningRate > 0 && Number.isFinite(learningRate))) throw new ClassicOptionsError(`learningRate must be a positive number, got ${learningRate}`);

  io.out('... loading data');
  const data = await classicData(options, io);
  const nTrainBatches = needBatches(data.train, batchSize, 'training');
  const nValidBatches = needBatches(data.val, batchSize, 'validation');
  const nTestBatches = needBatches(data.test, batchSize, 'test');
  setSeed(options.seed ?? 1234);
  const trainSet = sharedDataset(data.train, 'train');
  const validSet = sharedDataset(data.val, 'valid');
  const testSet = sharedDataset(data.test, 'test');

  io.out('... building the model');
  const index = iscalar('index');
  const x = matrix('x');
  const y = ivector('y');
  const classifier = new LogisticRegression(x, 28 * 28, 10);
  const cost = classifier.negativeLogLikelihood(y);

  const testModel = compile([index], classifier.errors(y), { givens: minibatchGivens(x, y, testSet, index, batchSize), name: 'test_model' }) as CompiledFunction<number>;
  const validateModel = compile([index], classifier.errors(y), { givens: minibatchGivens(x, y, validSet, index, batchSize), name: 'validate_model' }) as CompiledFunction<number>;
  const [gW, gB] = grad(cost, [classifier.W, classifier.b]);
  const updates: [SharedVariable, ReturnType<typeof gW.mul>][] = [
    [classifier.W, classifier.W.sub(gW.mul(learningRate))],
    [classifier.b, classifier.b.sub(gB.mul(learningRate))],
  ];
  const trainModel = compile([index], cost, { updates, givens: minibatchGivens(x, y, trainSet, index, batchSize), name: 'train_model', profile: options.profile }) as CompiledFunction<number>;
  const onEpoch = await inspectClassic(trainModel, options, io);

  io.out('... training the model');
  let savedTo: string | undefined;
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
    onBest: async () => {
      if (options.save) savedTo = await saveModel(options.save, classifier.params);
    },
  });
  io.out(`Optimization complete with best validation score of ${pyFixed(r.bestValidationLoss * 100, 6)} %,with test performance ${pyFixed(r.testScore * 100, 6)} %`);
  io.out(`The code run for ${r.epochs} epochs, with ${pyFixed(r.epochs / r.seconds, 6)} epochs/sec`);
  io.err?.(`The code for file logistic_sgd.py ran for ${pyFixed(r.seconds, 1)}s`);
  return { ...r, classifier, trainModel, validateModel, testModel, savedTo };
}

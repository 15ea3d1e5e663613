#!/usr/bin/env node
/** The `lasagne-classic` executable: the classic Theano/NumPy MNIST programs. See ../../README.md. */
import { classicMain } from './classic-main';
import { runCli } from './run-cli';

runCli('lasagne-classic', (argv) => classicMain(argv));

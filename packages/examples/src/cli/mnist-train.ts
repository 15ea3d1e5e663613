#!/usr/bin/env node
/** The `mnist-train` executable: Lasagne's mnist.py on lasagne-ts. See ../../README.md. */
import { main } from './main';
import { runCli } from './run-cli';

runCli('mnist-train', (argv) => main(argv));

// Tests run on the plain-JS backend unless a test asks for another.
process.env.LASAGNE_BACKEND = process.env.LASAGNE_BACKEND || 'cpu';
// Internal assertions on: an op whose perform returns another dtype than it declares fails the test.
process.env.LASAGNE_ASSERT = '1';

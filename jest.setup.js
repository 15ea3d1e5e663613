// Tests run on the plain-JS backend unless a test asks for another.
process.env.LASAGNE_BACKEND = process.env.LASAGNE_BACKEND || 'cpu';

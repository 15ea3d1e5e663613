export * from './data';

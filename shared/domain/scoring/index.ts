export * from './features.js';
export * from './logistic.js';
export * from './metrics.js';
export { normalRandom, seededRandom, shuffled } from './random.js';
export * from './schema.js';
export * from './training-data.js';

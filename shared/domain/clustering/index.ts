export * from './kmeans.js';
export * from './report.js';

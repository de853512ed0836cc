export * from './kmeans.js';
export * from './population-report.js';
export * from './report.js';

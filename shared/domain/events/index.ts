/** Workflow events on the compliance event bus: schemas, builders and the publishing port. */
export * from './builders.js';
export * from './ports.js';
export * from './schemas.js';

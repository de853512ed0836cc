/** Survey feedback: signed webhook verification, provider mappings, themes and NPS arithmetic. */
export * from './nps.js';
export { formatPath, getPath, InvalidPathError, isValidPath, type PathSegment, parsePath } from './paths.js';
export * from './providers.js';
export * from './signature.js';
export * from './themes.js';

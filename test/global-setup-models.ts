/** A separate local system for the risk-model tests: publishing re-segments everyone. */
import { localSystem } from './global-setup.js';

export const { setup, teardown } = localSystem();

/** A separate local system for load and fault-injection tests (test/stress): faults stay there. */
import { localSystem } from './global-setup.js';

export const { setup, teardown } = localSystem({ RISKLOOP_FAULT_PROXIES: 'true' });

#!/usr/bin/env node
// The `riskloop` bin (package.json): Node 20 cannot run TypeScript itself, so this shim registers
// tsx's ESM loader in-process (no second Node process, signals reach the command directly) and
// loads the TypeScript entry point.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');

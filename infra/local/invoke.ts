/**
 * `npm run invoke -- <function> [event.json]`: invokes one function of the running local system
 * (started by `npm start`) with an event file, or with a default event for its trigger.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type FunctionName, functions } from '../manifest.js';
import { scheduledEvent } from './event-sources.js';
import { LocalLambdas } from './lambda.js';
import type { RuntimeState } from './runtime.js';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const dataDir = resolve(root, process.env.RISKLOOP_DATA_DIR ?? '.data');
const [name, eventFile] = process.argv.slice(2);

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

if (!name || !(name in functions)) {
  fail(`usage: npm run invoke -- <function> [event.json]\nfunctions: ${Object.keys(functions).join(', ')}`);
}
const stateFile = join(dataDir, 'runtime.json');
if (!existsSync(stateFile)) fail('riskloop is not running: start it with `npm start` first');
const state = JSON.parse(readFileSync(stateFile, 'utf8')) as RuntimeState;
Object.assign(process.env, state.env);

const fn = name as FunctionName;
const trigger = functions[fn].trigger;
const event = eventFile
  ? JSON.parse(readFileSync(resolve(eventFile), 'utf8'))
  : trigger.kind === 'schedule'
    ? scheduledEvent(fn)
    : fail(`${fn} needs an event file (trigger: ${trigger.kind})`);

const result = await new LocalLambdas(root, state.stage).invoke(fn, event);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
process.exit(0);

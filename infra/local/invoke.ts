/**
 * `npm run invoke -- <function> [event.json]`: invokes one function of the running local system
 * (started by `npm start`) with an event file, or with a default event for its trigger.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type FunctionName, functions } from '../manifest.js';
import { scheduledEvent } from './event-sources.js';
import { LocalLambdas } from './lambda.js';
import { attachToRunningSystem, repoRoot } from './running.js';

const [name, eventFile] = process.argv.slice(2);

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

if (!name || !(name in functions)) {
  fail(`usage: npm run invoke -- <function> [event.json]\nfunctions: ${Object.keys(functions).join(', ')}`);
}
const state = attachToRunningSystem();
const fn = name as FunctionName;
const trigger = functions[fn].trigger;
const event = eventFile
  ? JSON.parse(readFileSync(resolve(eventFile), 'utf8'))
  : trigger.kind === 'schedule'
    ? scheduledEvent(fn)
    : fail(`${fn} needs an event file (trigger: ${trigger.kind})`);

const result = await new LocalLambdas(repoRoot, state.stage).invoke(fn, event);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
process.exit(0);

/**
 * `postinstall`: npm links the `node` executable of the Node 24 package (an optional dependency, there so
 * test/infra/bundles.test.ts can load every Lambda bundle under the runtime it deploys to) into
 * node_modules/.bin, where every npm script and `npx` command would pick it before the developer's own Node.
 * Removing that link keeps `npm start`, the tests and the scripts on the developer's Node (20.19 or later);
 * the bundle test calls the Node 24 binary by its full path.
 */
import { readlinkSync, rmSync } from 'node:fs';

const link = new URL('../../node_modules/.bin/node', import.meta.url);
try {
  if (/node-linux-(x64|arm64)/.test(readlinkSync(link))) rmSync(link);
} catch (error) {
  if (error.code !== 'ENOENT') throw error;
}

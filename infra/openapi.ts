/**
 * `npm run openapi`: writes the OpenAPI 3.1 document (the one GET /openapi.json serves) to
 * docs/openapi.json, for readers of the repository and client generators. Generated from the
 * manifest and the zod schemas, never edited by hand; a unit test fails when the committed copy
 * is stale.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openApiDocument } from '../shared/http/openapi/document.js';
import { repoRoot } from './cdk/functions.js';

export const openApiPath = 'docs/openapi.json';

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = join(repoRoot, openApiPath);
  writeFileSync(file, `${JSON.stringify(openApiDocument(), null, 2)}\n`);
  // Formatted the way `biome check` wants it, so the generated file passes the lint step.
  execFileSync(join(repoRoot, 'node_modules/.bin/biome'), ['format', '--write', file], { stdio: 'ignore' });
  process.stdout.write(`wrote ${openApiPath}\n`);
}

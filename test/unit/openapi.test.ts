import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../infra/cdk/functions.js';
import { httpRoutes } from '../../infra/manifest.js';
import { openApiPath } from '../../infra/openapi.js';
import { openApiDocument, routeKey } from '../../shared/http/openapi/document.js';
import { renderReference } from '../../shared/http/openapi/html.js';
import { routeDocs } from '../../shared/http/openapi/registry.js';

const doc = openApiDocument();
const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
  Object.entries(ops).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, op })),
);

describe('OpenAPI document', () => {
  it('documents every manifest route in the registry, and nothing else', () => {
    const manifest = httpRoutes().map(({ route }) => routeKey(route));
    expect(
      manifest.filter((k) => !(k in routeDocs)),
      'routes without a registry entry',
    ).toEqual([]);
    expect(
      Object.keys(routeDocs).filter((k) => !manifest.includes(k)),
      'entries without a route',
    ).toEqual([]);
    expect(operations.map((o) => o.key).sort()).toEqual([...manifest].sort());
  });

  it('is OpenAPI 3.1 with info, paths, components and bearer API keys', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.title).toBeTruthy();
    expect(doc.info.version).toBeTruthy();
    expect(doc.components.securitySchemes?.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const path of Object.keys(doc.paths)) expect(path).toMatch(/^\//);
  });

  it('carries roles, auth and body limits from the manifest', () => {
    for (const { functionName, route } of httpRoutes()) {
      const op = doc.paths[route.path]?.[route.method.toLowerCase()];
      expect(op?.['x-roles']).toEqual(route.roles);
      expect(op?.['x-function']).toBe(functionName);
      expect(op?.['x-max-body-bytes']).toBe(route.maxBodyBytes);
      const auth = route.auth ?? 'token';
      expect(op?.security).toEqual(
        auth === 'public' ? [] : auth === 'signature' ? [{ webhookSignature: [] }] : [{ apiKey: [] }],
      );
      if (auth === 'token')
        expect(Object.keys(op?.responses ?? {})).toEqual(expect.arrayContaining(['401', '403']));
      if (route.maxBodyBytes) expect(op?.responses).toHaveProperty('413');
    }
  });

  it('answers every 4xx and 5xx with the one shared error schema', () => {
    for (const { key, op } of operations) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue;
        expect((response as { $ref?: string }).$ref, `${key} ${status}`).toBe(
          `#/components/responses/Error${status}`,
        );
        expect(doc.components.responses).toHaveProperty(`Error${status}`);
      }
      expect(
        Object.keys(op.responses).some((s) => Number(s) < 400),
        `${key} has a success response`,
      ).toBe(true);
    }
  });

  it('holds JSON Schemas (draft 2020-12) that compile', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    // ajv-formats is CommonJS: its default export is the plugin itself at run time.
    (formats as unknown as typeof formats.default)(ajv);
    ajv.addSchema(doc, 'openapi.json');
    for (const { key, op } of operations) {
      const schemas = [
        ...Object.values(op.responses).flatMap((r) =>
          Object.values((r as { content?: Record<string, { schema: object }> }).content ?? {}).map(
            (c) => c.schema,
          ),
        ),
        ...((op.parameters ?? []) as { schema: object }[]).map((p) => p.schema),
      ];
      for (const schema of schemas) expect(() => ajv.compile(schema), key).not.toThrow();
    }
  });

  it('is committed up to date in docs/openapi.json (run npm run openapi)', () => {
    const committed = JSON.parse(readFileSync(join(repoRoot, openApiPath), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(doc)));
  });

  it('renders a reference page with a heading per tag and every operation, loading nothing', () => {
    const html = renderReference(doc);
    for (const tag of doc.tags) expect(html).toContain(`>${tag.name}</h2>`);
    for (const { op } of operations) expect(html).toContain(`id="${op.operationId}"`);
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\//i);
  });
});

/**
 * The API reference page, rendered from the OpenAPI document itself: plain, accessible HTML (one
 * heading per tag, one section per operation, schemas as tables) with no script and nothing loaded
 * from elsewhere, so the page works offline and under a strict Content-Security-Policy.
 */
import type { JsonSchema, OpenApiDocument, OpenApiOperation } from './document.js';

const html = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A schema type in words: `string (date-time)`, `array of object`, `"a" | "b"`. */
function typeOf(schema: JsonSchema): string {
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  if ('const' in schema) return JSON.stringify(schema.const);
  const variants = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (variants) return variants.map(typeOf).join(' or ');
  const type = Array.isArray(schema.type) ? schema.type.join(' or ') : String(schema.type ?? 'any');
  if (type === 'array' && schema.items) return `array of ${typeOf(schema.items as JsonSchema)}`;
  return schema.format ? `${type} (${schema.format})` : type;
}

function constraintsOf(schema: JsonSchema): string {
  const keys = ['minimum', 'maximum', 'minLength', 'maxLength', 'minItems', 'maxItems', 'pattern', 'default'];
  return keys
    .filter((k) => schema[k] !== undefined)
    .map((k) => `${k}: ${JSON.stringify(schema[k])}`)
    .join(', ');
}

/** Rows of (field path, type, required, notes), nested objects and arrays of objects flattened. */
function rowsOf(schema: JsonSchema, prefix = '', depth = 0): string[][] {
  const target = schema.type === 'array' && schema.items ? (schema.items as JsonSchema) : schema;
  const properties = target.properties as Record<string, JsonSchema> | undefined;
  if (!properties || depth > 4) return [];
  const required = new Set((target.required as string[] | undefined) ?? []);
  const base = prefix && schema.type === 'array' ? `${prefix}[]` : prefix;
  return Object.entries(properties).flatMap(([name, child]) => {
    const path = base ? `${base}.${name}` : name;
    const notes = [child.description, constraintsOf(child)].filter(Boolean).join(' ');
    return [
      [path, typeOf(child), required.has(name) ? 'yes' : 'no', notes as string],
      ...rowsOf(child, path, depth + 1),
    ];
  });
}

function schemaTable(schema: JsonSchema | undefined, caption: string): string {
  if (!schema) return '';
  const rows = rowsOf(schema);
  if (rows.length === 0) return `<p>${html(caption)}: <code>${html(typeOf(schema))}</code></p>`;
  return `<table><caption>${html(caption)}</caption><thead><tr><th scope="col">Field</th><th scope="col">Type</th><th scope="col">Required</th><th scope="col">Notes</th></tr></thead><tbody>${rows
    .map(
      ([p, t, r, n]) =>
        `<tr><td><code>${html(p)}</code></td><td>${html(t)}</td><td>${r}</td><td>${html(n)}</td></tr>`,
    )
    .join('')}</tbody></table>`;
}

function operationHtml(method: string, path: string, op: OpenApiOperation): string {
  const params = (op.parameters ?? []) as {
    name: string;
    in: string;
    required: boolean;
    schema: JsonSchema;
    description?: string;
  }[];
  const paramTable = params.length
    ? `<table><caption>Parameters</caption><thead><tr><th scope="col">Name</th><th scope="col">In</th><th scope="col">Type</th><th scope="col">Required</th><th scope="col">Notes</th></tr></thead><tbody>${params
        .map(
          (p) =>
            `<tr><td><code>${html(p.name)}</code></td><td>${html(p.in)}</td><td>${html(typeOf(p.schema))}</td><td>${p.required ? 'yes' : 'no'}</td><td>${html([p.description, constraintsOf(p.schema)].filter(Boolean).join(' '))}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '';
  const body = (op.requestBody as { content: Record<string, { schema: JsonSchema }> } | undefined)?.content?.[
    'application/json'
  ]?.schema;
  const responses = Object.entries(op.responses)
    .map(([status, r]) => {
      const response = r as {
        description: string;
        content?: Record<string, { schema: JsonSchema }>;
        $ref?: string;
      };
      const [type, media] = Object.entries(response.content ?? {})[0] ?? [];
      const shape = response.$ref
        ? ' (error body: <code>{ "error": { "code", "message", "details" } }</code>)'
        : type
          ? ` (<code>${html(type)}</code>)`
          : '';
      return `<li><strong>${html(status)}</strong> ${html(response.description)}${shape}${media ? schemaTable(media.schema, `${status} response body`) : ''}</li>`;
    })
    .join('');
  const roles =
    op['x-auth'] === 'token'
      ? `Roles: ${op['x-roles'].join(', ')}`
      : op['x-auth'] === 'public'
        ? 'Public'
        : 'Signed webhook (no API key)';
  const id = html(op.operationId);
  return `<section aria-labelledby="${id}"><h3 id="${id}"><span class="method">${html(method.toUpperCase())}</span> <code>${html(path)}</code></h3>
<p>${html(op.summary)}</p><p class="meta">${html(roles)}${op['x-max-body-bytes'] ? ` · body limit ${op['x-max-body-bytes']} bytes` : ''}</p>
${paramTable}${schemaTable(body, 'Request body (application/json)')}<h4>Responses</h4><ul>${responses}</ul></section>`;
}

export function renderReference(doc: OpenApiDocument): string {
  const byTag = new Map<string, string[]>();
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const tag = op.tags[0] ?? 'Other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), operationHtml(method, path, op)]);
    }
  }
  const nav = [...byTag.keys()]
    .map((t) => `<li><a href="#tag-${html(t.replace(/\W+/g, '-'))}">${html(t)}</a></li>`)
    .join('');
  const sections = [...byTag.entries()]
    .map(([t, ops]) => `<h2 id="tag-${html(t.replace(/\W+/g, '-'))}">${html(t)}</h2>${ops.join('')}`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${html(doc.info.title)} reference</title><style>
body{font:16px/1.5 system-ui,sans-serif;color:#1a1a1a;background:#fff;max-width:70rem;margin:0 auto;padding:1rem}
a{color:#0645ad}code{font-family:ui-monospace,monospace;font-size:.95em}h2{border-bottom:2px solid #333;margin-top:2.5rem}
section{border:1px solid #bbb;border-radius:4px;padding:0 1rem 1rem;margin:1rem 0}.method{background:#1a1a1a;color:#fff;padding:0 .4rem;border-radius:3px}
.meta{color:#444}table{border-collapse:collapse;width:100%;margin:.5rem 0}caption{text-align:left;font-weight:600}
th,td{border:1px solid #bbb;padding:.25rem .5rem;text-align:left;vertical-align:top}th{background:#eee}
</style></head><body><header><h1>${html(doc.info.title)} <small>${html(doc.info.version)}</small></h1>
<p>${html(doc.info.description)}</p><p>Machine-readable: <a href="openapi.json">openapi.json</a> (OpenAPI ${html(doc.openapi)}). Authenticate with <code>Authorization: Bearer &lt;api key&gt;</code>. Errors are always <code>{ "error": { "code", "message", "details" } }</code>.</p>
<nav aria-label="Sections"><ul>${nav}</ul></nav></header><main>${sections}</main></body></html>`;
}

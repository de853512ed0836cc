/**
 * GET /openapi.json and GET /docs: the OpenAPI 3.1 document of the API and its reference page,
 * both public (they hold no data). Built once per container from the manifest and the zod schemas,
 * so what is served always matches what this build's handlers validate and answer.
 */
import { apiDocs } from '../../infra/manifest.js';
import { httpFunction } from '../../shared/http/http-function.js';
import { openApiDocument } from '../../shared/http/openapi/document.js';
import { renderReference } from '../../shared/http/openapi/html.js';
import { jsonResponse, textResponse } from '../../shared/http/responses.js';
import { createLogger } from '../../shared/observability/logger.js';

const logger = createLogger('apiDocs');
const document = openApiDocument();
const page = renderReference(document);

export const handler = httpFunction(apiDocs.trigger.routes, logger, {
  'GET /openapi.json': async () => jsonResponse(200, document),
  'GET /docs': async () => {
    const response = textResponse(200, page, 'text/html; charset=utf-8');
    // The page has no script and loads nothing: a policy that forbids both costs nothing.
    response.headers = {
      ...response.headers,
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    };
    return response;
  },
});

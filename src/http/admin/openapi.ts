import { z } from 'zod';
import type { AdminRoute } from './route.js';

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema>; required?: string[] };

/** zod -> JSON Schema 2020-12 (what OpenAPI 3.1 uses); dates travel as ISO 8601 strings. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const out = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    override: (ctx) => {
      if (ctx.zodSchema._zod.def.type === 'date') {
        ctx.jsonSchema.type = 'string';
        ctx.jsonSchema.format = 'date-time';
      }
    },
  }) as JsonSchema;
  delete out.$schema;
  return out;
}

const errorSchema: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
    },
  },
};

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const s = jsonSchema(schema, 'input');
  return Object.entries(s.properties ?? {}).map(([name, prop]) => {
    const { description, ...rest } = prop;
    return {
      name,
      in: where,
      required: where === 'path' || (s.required ?? []).includes(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

/** A PATCH changes only the fields sent: the defaults of the create schema do not apply, so they are not shown. */
function bodySchema(schema: z.ZodType, method: string): JsonSchema {
  const s = jsonSchema(schema, 'input');
  if (method === 'patch') for (const prop of Object.values(s.properties ?? {})) delete prop.default;
  return s;
}

/** The OpenAPI 3.1 document of the admin API, built from the same route declarations as the wiring. */
export function buildOpenApi(routes: readonly AdminRoute[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    const responses: Record<string, unknown> = {
      [String(r.status)]: r.schemas.response
        ? { description: 'Success', content: { [r.produces?.contentType ?? 'application/json']: { schema: jsonSchema(r.schemas.response, 'output') } } }
        : { description: 'Success, no content' },
      '401': errorResponse('Missing, unknown or revoked API token'),
      '403': errorResponse(`The token lacks the scope ${r.scope}`),
      '422': errorResponse('The request is not valid'),
    };
    if (r.path.includes(':')) responses['404'] = errorResponse('Not found');
    if (r.method !== 'get') {
      responses['400'] = errorResponse('The body is not valid JSON');
      responses['409'] = errorResponse('Conflicts with existing data (duplicate)');
      responses['413'] = errorResponse('The body is too large');
    }
    (paths[path] ??= {})[r.method] = {
      operationId: `${r.method}${r.path.replace(/[:/](\w)/g, (_m, c: string) => c.toUpperCase()).replace(/\W/g, '')}`,
      summary: r.summary,
      tags: [r.tag],
      'x-scope': r.scope,
      ...(r.action ? { 'x-audit-action': r.action } : {}),
      security: [{ bearer: [r.scope] }],
      parameters: [...parameters(r.schemas.params, 'path'), ...parameters(r.schemas.query, 'query')],
      ...(r.schemas.body ? { requestBody: { required: true, content: { 'application/json': { schema: bodySchema(r.schemas.body, r.method) } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tandem admin API',
      version: '1.0.0',
      description: 'Manage people, teams and Tandem features. Authenticate with a bearer token created by `npm run admin:token`; each route needs the scope shown in x-scope (or `admin`). Every write is recorded in the audit log. Pulse surveys: no endpoint returns an individual survey answer, and none returns an answer together with anything that identifies a person; results are aggregates of groups of at least SURVEY_MIN_GROUP respondents, after close.',
    },
    servers: [{ url: '/api/v1' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'tdm_… token' } },
      schemas: { Error: errorSchema },
    },
    paths,
  };
}

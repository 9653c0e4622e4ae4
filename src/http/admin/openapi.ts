import { z } from 'zod';
import type { AdminRoute } from './admin-api';
import type { AdminOperation, OperationResponse } from './admin-operations';
import { rolesAllowed } from './admin-auth';

type JsonSchema = Record<string, unknown>;

/** The request side of a schema: what a client sends (coercions and transforms not yet applied). */
function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  return json;
}

function responseSchemaOf(schema: z.ZodType): JsonSchema {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  return json;
}

/** `/rewards` + `/:id/codes` → `/admin/api/rewards/{id}/codes`. */
export function documentPathOf(mount: string, path: string): string {
  const joined = `/admin/api${mount}${path === '/' ? '' : path}`;
  return joined.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function parametersOf(schema: z.ZodType | undefined, place: 'path' | 'query') {
  if (schema === undefined) return [];
  const json = jsonSchemaOf(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: place,
    required: place === 'path' || (json.required ?? []).includes(name),
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
    schema: property,
  }));
}

const errorResponse = {
  description: 'An error: `{ error: { code, message, details? } }`; the message says how to fix the request.',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
};

function operationObject(route: AdminRoute, operation: AdminOperation) {
  const roles = operation.roles ?? rolesAllowed(operation.method, route.area);
  const { response } = operation;
  const documentPath = documentPathOf(route.path, operation.path);
  const camelPath = documentPath.replace(/[^A-Za-z0-9]+(.)?/g, (_, next: string | undefined) => (next ?? '').toUpperCase());
  return {
    operationId: `${operation.method}${camelPath}`,
    summary: operation.summary,
    description: [operation.description, `Roles: ${roles.join(', ')}.`].filter(Boolean).join('\n\n'),
    tags: [route.path.slice(1).split('/')[0]],
    'x-admin-area': route.area,
    'x-admin-roles': roles,
    parameters: [...parametersOf(operation.params, 'path'), ...parametersOf(operation.query, 'query')],
    ...(operation.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchemaOf(operation.body) } } } }
      : {}),
    responses: {
      [String(response.status)]: responseObject(response),
      '400': errorResponse,
      '401': errorResponse,
      '403': errorResponse,
      // The mount path counts too: /members/:id/marketing mounts a router whose own path is /.
      ...(documentPath.includes('{') ? { '404': errorResponse } : {}),
      ...Object.fromEntries((operation.alsoAnswers ?? []).map((also) => [String(also.status), also.status >= 400 ? { ...errorResponse, description: also.description } : responseObject(also)])),
    },
  };
}

function responseObject(response: OperationResponse) {
  return {
    description: response.description,
    content: { [response.contentType ?? 'application/json']: { schema: response.schema ? responseSchemaOf(response.schema) : {} } },
  };
}

/** OpenAPI 3.1 for /admin/api, from the same operation lists (and zod schemas) the routers use. */
export function createOpenApiDocument(routes: AdminRoute[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    for (const operation of route.operations) {
      const path = documentPathOf(route.path, operation.path);
      paths[path] = { ...paths[path], [operation.method]: operationObject(route, operation) };
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Chat loyalty admin API',
      version: '1',
      description:
        'Bearer tokens from ADMIN_TOKENS (role:token). admin may do everything; marketer reads everything and changes the programme ' +
        "(rewards, point codes, missions, tier rules) and records a member's objection to promotions; viewer only reads. " +
        'Every write is in GET /admin/api/audit. ' +
        'Lists answer { <items>: [...], nextCursor } and take ?limit and ?cursor.',
    },
    servers: [{ url: '/' }],
    security: [{ bearerToken: [] }],
    components: {
      securitySchemes: { bearerToken: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
            },
          },
        },
      },
    },
    paths,
  };
}

export type OpenApiDocument = ReturnType<typeof createOpenApiDocument>;

import { z } from 'zod';
import { flowSchema, templateFileSchema } from './flow-schema';

/** JSON Schemas of flow and template files, for editors (yaml-language-server) and other tools. */
export function exportedJsonSchemas(): Record<string, unknown> {
  return {
    'flow.schema.json': { title: 'Loyalty bot flow', ...z.toJSONSchema(flowSchema, { io: 'input' }) },
    'templates.schema.json': { title: 'Loyalty bot message templates', ...z.toJSONSchema(templateFileSchema, { io: 'input' }) },
  };
}

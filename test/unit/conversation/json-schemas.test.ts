import { readFileSync } from 'node:fs';
import { exportedJsonSchemas } from '../../../src/conversation/json-schemas';

describe('the exported JSON Schemas', () => {
  it.each(Object.entries(exportedJsonSchemas()))('schemas/%s matches the schema the server checks with', (file, schema) => {
    const exported = JSON.parse(readFileSync(`schemas/${file}`, 'utf8'));
    expect(exported).toEqual(schema); // run `npm run schema:export` after changing src/conversation/flow-schema.ts
  });
});

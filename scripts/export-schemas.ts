import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportedJsonSchemas } from '../src/conversation/json-schemas';

for (const [file, schema] of Object.entries(exportedJsonSchemas())) {
  writeFileSync(join(__dirname, '..', 'schemas', file), `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote schemas/${file}`);
}

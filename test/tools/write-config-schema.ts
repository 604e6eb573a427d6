// npm run schema: write the JSON Schema of keyway.yaml, generated from the zod config schema, to its checked-in file.
import { writeFileSync } from 'node:fs';
import { renderConfigJsonSchema } from '../../src/config/json-schema.js';
import { CONFIG_SCHEMA_FILE, CONFIG_SCHEMA_PATH } from '../helpers/config-schema-file.js';

writeFileSync(CONFIG_SCHEMA_PATH, renderConfigJsonSchema());
console.log(`wrote ${CONFIG_SCHEMA_FILE}`);

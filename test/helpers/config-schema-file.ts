// Where the checked-in JSON Schema of keyway.yaml lives (written by `npm run schema`, compared by a unit test).
import { fileURLToPath } from 'node:url';

/** Repository-relative path of the schema file; the example configs' modelines point at it. */
export const CONFIG_SCHEMA_FILE = 'examples/keyway.schema.json';

/** Its absolute path. */
export const CONFIG_SCHEMA_PATH = fileURLToPath(new URL(`../../${CONFIG_SCHEMA_FILE}`, import.meta.url));

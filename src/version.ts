// keyway's version: package.json's, read once at start (one directory above src/ and dist/ alike, and in the image).
import { readFileSync } from 'node:fs';

/** The `version` of the package.json beside src/ or dist/; "unknown" when it cannot be read (never throws). */
function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The running keyway's version (`keyway --version`, the startup log, /admin/status, keyway_build_info). */
export const VERSION: string = readVersion();

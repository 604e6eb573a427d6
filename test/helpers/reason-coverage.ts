// The reason codes the test files assert, read from their text: the "every reason has a test" guards compare it
// with REASONS and ADMIN_REASONS, so a code added without a test that expects it fails the run.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const TEST_ROOT = new URL('..', import.meta.url).pathname;

/** Every `*.test.ts` under test/, with its text. */
export function testSources(root = TEST_ROOT): { readonly file: string; readonly text: string }[] {
  const out: { file: string; text: string }[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.test.ts'))
        out.push({ file: relative(root, path), text: readFileSync(path, 'utf8') });
    }
  };
  walk(root);
  return out;
}

const escapeRegExp = (code: string) => code.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The forms in which a test expects a reason: `reason: 'code'` (an expected body or a case row), `.toBe('code')` /
 * `.toEqual('code')` (a header or a field), and `expectX(…, 'code')` (a helper named expect…, the code last).
 * Constructing an error (`new KeywayError('code')`) or naming the code in prose does not count.
 */
function expectsReason(text: string, code: string): boolean {
  const c = escapeRegExp(code);
  const q = `['"\`]${c}['"\`]`;
  return [
    new RegExp(`\\breason: ${q}`),
    new RegExp(`\\.(?:toBe|toEqual|toStrictEqual)\\(\\s*${q},?\\s*\\)`),
    new RegExp(`\\bexpect\\w+\\([^;]*?,\\s*${q},?\\s*\\)`),
  ].some((re) => re.test(text));
}

/** The codes of `codes` that no source in `sources` expects (see expectsReason). */
export function reasonsWithoutTest(
  codes: readonly string[],
  sources: readonly { readonly text: string }[] = testSources(),
): string[] {
  return codes.filter((code) => !sources.some((s) => expectsReason(s.text, code)));
}

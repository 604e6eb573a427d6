// Fetch-URL rules for JWKS and discovery: checked on the config at start and on a discovered jwks_uri at run time.
import type { ConfigProblem } from '../errors.js';

/** https only, except loopback hosts or an explicit allow_insecure_http (SECURITY.md: outbound safety). */
export function checkFetchUrl(url: string, allowHttp: boolean, at: string, problems: ConfigProblem[]): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    problems.push({ path: at, code: 'insecure_url', message: 'expected an absolute https:// URL' });
    return;
  }
  if (parsed.protocol === 'https:') return;
  if (parsed.protocol !== 'http:') {
    problems.push({ path: at, code: 'insecure_url', message: 'expected an https:// URL' });
    return;
  }
  if (!allowHttp && !isLoopbackHost(parsed.hostname)) {
    problems.push({
      path: at,
      code: 'insecure_url',
      message:
        'expected https:// (plain http is allowed only for loopback hosts or with allow_insecure_http: true)',
    });
  }
}

export function isLoopbackHost(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname === '[::1]' ||
    hostname === '::1' ||
    /^127\.\d+\.\d+\.\d+$/.test(hostname)
  );
}

// Read one cookie by name from a Cookie header (RFC 6265 §4.2.1); a name sent twice is ambiguous and refused.
// Pairs are split at ";" and also at ",": several Cookie headers arrive joined with ", " (Fetch Headers), and a
// cookie-octet (RFC 6265 §4.1.1) never holds a comma, so a comma may start another cookie for some parser.
import { KeywayError } from '../errors.js';

/** The cookie's value, undefined when absent; throws KeywayError('malformed_token') when the name appears twice. */
export function readCookie(header: string, name: string): string | undefined {
  let found: string | undefined;
  for (const pair of header.split(/[;,]/)) {
    const eq = pair.indexOf('=');
    if (eq === -1 || pair.slice(0, eq).trim() !== name) continue;
    if (found !== undefined) throw new KeywayError('malformed_token', `cookie "${name}" sent more than once`);
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    found = value;
  }
  return found;
}

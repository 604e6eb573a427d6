// The secrets audit itself: it is wired into this run, records what helpers produce, and finds a secret in every
// spelling a careless log line could use. (The real check runs per file in audit/setup.ts and for the whole run in
// audit/global-setup.ts; planted leaks here only go through the pure findLeaks, never into the run's records.)
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { explain, explainInput } from '../../src/explain/explain.js';
import { createLogger } from '../../src/infra/log.js';
import {
  AUDIT_DIR_ENV,
  type AuditOutput,
  findLeaks,
  MIN_SECRET_LENGTH,
  secretVariants,
} from '../helpers/audit.js';
import { createTestKeyway } from '../helpers/keyway.js';
import { HS_SECRET, mint } from '../helpers/tokens.js';

const SECRET = 'planted-secret-0123456789-abcdefghijkl';
const secrets = (value: string | Uint8Array) =>
  secretVariants(value).map((v) => ({ value: v, label: 'planted' }));
const out = (text: string): AuditOutput => ({ kind: 'log', where: 'here', text });

/** What a real pino logger writes for `obj` (the same serialiser keyway uses). */
function pinoLine(obj: Record<string, unknown>): string {
  let line = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      line += String(chunk);
      done();
    },
  });
  createLogger('info', stream).info(obj, 'x');
  return line;
}

describe('secrets audit', () => {
  it('is wired: the global setup gave this worker a run directory', () => {
    const dir = process.env[AUDIT_DIR_ENV];
    expect(dir).toBeTruthy();
    expect(existsSync(dir!)).toBe(true);
  });

  it('records the tokens a helper mints and the outputs of a real pipeline, and finds no leak in them', async () => {
    const dir = process.env[AUDIT_DIR_ENV]!;
    const kw = await createTestKeyway({
      issuers: [{ name: 'hs', issuer: 'https://hs.test', hs_secrets: [HS_SECRET] }],
      policies: [{ name: 'api', token_sources: ['bearer', 'cookie:session', 'query:access_token'] }],
    });
    const token = await mint({ iss: 'https://hs.test', sub: 'alice' }, { secret: HS_SECRET });
    await kw.auth({ authorization: `Bearer ${token}` });
    await kw.auth({ authorization: `Bearer ${token}x` });
    await kw.auth({ cookie: `session=${token}` });
    await kw.auth({ 'x-forwarded-uri': `/x?access_token=${token}` });
    await kw.close();
    const mine = (prefix: string) => readFileSync(join(dir, `${prefix}.${process.pid}.jsonl`), 'utf8');
    expect(mine('secrets')).toContain(JSON.stringify(token));
    const outputs = mine('outputs')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as AuditOutput);
    expect(outputs.filter((o) => o.kind === 'log').length).toBeGreaterThanOrEqual(4);
    expect(outputs.filter((o) => o.kind === 'response').length).toBeGreaterThanOrEqual(4);
    expect(readdirSync(dir).some((f) => f.startsWith('outputs.'))).toBe(true);
    expect(findLeaks(secrets(token), outputs)).toEqual([]);
  });

  it('explain output (every deny check and the allow) holds neither the token, its signature nor the HS secret', async () => {
    const kw = await createTestKeyway({
      issuers: [{ name: 'hs', issuer: 'https://hs.test', hs_secrets: [HS_SECRET], audiences: ['api'] }],
      policies: [{ name: 'api', claims: { role: ['admin'] }, scopes: ['read'] }],
    });
    const tokens = await Promise.all(
      [
        { aud: 'api', role: 'admin', scope: 'read' },
        { aud: 'other', role: 'admin', scope: 'read' },
        { aud: 'api', role: 'guest', scope: 'read' },
        { aud: 'api', role: 'admin', scope: 'write' },
        { aud: 'api', role: 'admin', exp: 1 },
      ].map((claims) => mint({ iss: 'https://hs.test', sub: 'alice', ...claims }, { secret: HS_SECRET })),
    );
    const outputs: AuditOutput[] = [];
    for (const token of [...tokens, `${tokens[0]}x`]) {
      const result = await explain(kw.runtime, explainInput.parse({ token, policy: 'api' }));
      outputs.push({ kind: 'response', where: 'explain', text: JSON.stringify(result) });
    }
    await kw.close();
    expect(outputs.map((o) => (JSON.parse(o.text) as { reason?: string }).reason)).toEqual([
      undefined,
      'bad_audience',
      'claim_mismatch',
      'insufficient_scope',
      'expired',
      'bad_signature',
    ]);
    const registered = [...tokens.flatMap((t) => secrets(t)), ...secrets(HS_SECRET)];
    expect(findLeaks(registered, outputs)).toEqual([]);
    // The check can fail: an explain output echoing a token's signature is found.
    const signature = tokens[1]!.split('.')[2]!;
    const echoed = {
      kind: 'response' as const,
      where: 'explain',
      text: `{"checks":[{"actual":"${signature}"}]}`,
    };
    expect(findLeaks([{ value: signature, label: 'token signature' }], [echoed])).toHaveLength(1);
  });

  it.each([
    ['raw', `{"msg":"x","detail":"${SECRET}"}`],
    ['JSON-escaped', JSON.stringify({ s: `${SECRET}"` })],
    ['base64', Buffer.from(SECRET).toString('base64')],
    ['base64url', Buffer.from(SECRET).toString('base64url')],
    ['hex', Buffer.from(SECRET).toString('hex')],
    ['a Buffer serialised with JSON.stringify', JSON.stringify({ key: Buffer.from(SECRET) })],
    ['a Uint8Array logged by pino', pinoLine({ key: new Uint8Array(Buffer.from(SECRET)) })],
  ])('finds a secret spelled %s', (_name, text) => {
    const leaks = findLeaks(secrets(SECRET), [out(`prefix ${text} suffix`)]);
    expect(leaks.map((l) => l.label)).toEqual(['planted']);
    expect(leaks[0]!.excerpt).not.toContain(SECRET);
  });

  it('finds a token signature logged without the rest of the token', () => {
    const sig = 'c2lnbmF0dXJlLWJ5dGVzLXRoYXQtbWFrZS1pdC1yZXBsYXlhYmxl';
    const leaks = findLeaks([{ value: sig, label: 'token signature' }], [out(`"detail":"…${sig}"`)]);
    expect(leaks).toHaveLength(1);
  });

  it('ignores spellings too short to be told apart from chance', () => {
    expect(secretVariants('short').every((v) => v.length >= MIN_SECRET_LENGTH)).toBe(true);
    expect(findLeaks(secrets('tiny'), [out('tiny tiny')])).toEqual([]);
  });
});

// retentionOf: how long revocation entries are kept — computed once, when the config is resolved (revocation.retention).

import type { ConfigInput } from './schema.js';
import type { Issuer, RevocationRetention } from './types.js';

const toSeconds = (ms: number) => Math.ceil(ms / 1000);

/**
 * The retention every writer and reader of a config applies: entries stay `leeway` past exp, where leeway is the
 * largest of `revocation.leeway` and every issuer's verify leeway (a token is accepted that long past its exp), and
 * subject entries `max_token_lifetime + leeway` past `before`. parseConfig stores it as `revocation.retention`; the
 * server, the admin API and `keyway revoke` read it from there.
 */
export function retentionOf(config: {
  readonly revocation: Pick<ConfigInput['revocation'], 'leeway' | 'max_token_lifetime'>;
  readonly issuers: readonly Pick<Issuer, 'leeway'>[];
}): RevocationRetention {
  const leewayMs = Math.max(config.revocation.leeway, ...config.issuers.map((issuer) => issuer.leeway));
  return { leeway: toSeconds(leewayMs), lifetime: toSeconds(config.revocation.max_token_lifetime) };
}

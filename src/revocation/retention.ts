// retentionOf: how long revocation entries are kept, computed in this one place from the whole Config.
import type { Config } from '../config/types.js';
import type { Retention } from './types.js';

const toSeconds = (ms: number) => Math.ceil(ms / 1000);

/**
 * The retention every writer and reader of this config applies: entries stay `leeway` past exp, where leeway is the
 * largest of `revocation.leeway` and every issuer's verify leeway (a token is accepted that long past its exp), and
 * subject entries `max_token_lifetime + leeway` past `before`. Used by the server, the admin API and `keyway revoke`.
 */
export function retentionOf(config: Pick<Config, 'revocation' | 'issuers'>): Retention {
  const leewayMs = Math.max(config.revocation.leeway, ...config.issuers.map((issuer) => issuer.leeway));
  return { leeway: toSeconds(leewayMs), lifetime: toSeconds(config.revocation.max_token_lifetime) };
}

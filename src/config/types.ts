// The validated, frozen config the rest of keyway reads. Secrets are resolved to bytes, files to text.
import type { SigningAlg } from '../lib/jws-algs.js';
import type { ConfigInput, IssuerConfig, PolicyConfig } from './schema.js';

export type { SigningAlg };

/** One HS secret after decoding; algorithms default to what its length allows (RFC 7518 §3.2). */
export interface HsSecret {
  readonly kid: string | undefined;
  readonly key: Uint8Array;
  readonly algorithms: readonly ('HS256' | 'HS384' | 'HS512')[];
}

/** One static public key (PEM or JWK text resolved from a file when given as `file`). */
export interface StaticKeyConfig {
  readonly kid: string | undefined;
  readonly pem: string | undefined;
  readonly jwk: Readonly<Record<string, unknown>> | undefined;
  readonly algorithms: readonly SigningAlg[] | undefined;
}

export interface Issuer
  extends Readonly<Omit<IssuerConfig, 'hs_secrets' | 'keys' | 'name' | 'algorithms' | 'ca_file'>> {
  /** The name policies refer to: `name`, else `issuer`, else "default". */
  readonly name: string;
  readonly hs_secrets: readonly HsSecret[];
  readonly keys: readonly StaticKeyConfig[];
  /** Allowed algs: configured, else every alg the issuer's key sources can verify. */
  readonly algorithms: readonly SigningAlg[];
  /** PEM text of a custom CA bundle for JWKS/discovery fetches. */
  readonly ca: string | undefined;
}

export type Policy = Readonly<PolicyConfig>;

/** The revocation section with `tls_ca_file` read into `tls_ca`. */
export interface RevocationSettings extends Readonly<Omit<ConfigInput['revocation'], 'tls_ca_file'>> {
  /** PEM text of the CA bundle Redis's TLS certificate must chain to (`tls_ca_file`); undefined: Node's CA store. */
  readonly tls_ca: string | undefined;
  /** Derived (retentionOf): how long past exp / `before` entries are kept, in seconds. */
  readonly retention: RevocationRetention;
}

/** How long revocation entries are kept, in whole seconds: `leeway` past a jti's exp, `lifetime + leeway` past a
 *  subject's `before`. */
export interface RevocationRetention {
  readonly leeway: number;
  readonly lifetime: number;
}

/** The routing section with `redis_key` resolved (default `<revocation.key_prefix>:routes`). */
export interface RoutingSettings extends Readonly<Omit<ConfigInput['routing'], 'redis_key'>> {
  readonly redis_key: string;
}

export interface Config
  extends Readonly<Omit<ConfigInput, 'issuers' | 'policies' | 'revocation' | 'routing'>> {
  readonly revocation: RevocationSettings;
  readonly routing: RoutingSettings;
  /** Where the config came from (file path or "environment"), for messages. */
  readonly source: string;
  readonly issuers: readonly Issuer[];
  readonly policies: readonly Policy[];
  /** True when no issuer was configured and keyway runs its embedded development issuer. */
  readonly devMode: boolean;
}

export interface ConfigIo {
  /** Read a file referenced from the config (secrets, keys, CA bundles); throws when unreadable. */
  readFile(path: string): string;
}

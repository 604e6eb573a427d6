// Where `keyway revoke` sends its work: the admin API (--admin-url) or Redis directly (REDIS_URL / KEYWAY_CONFIG).
import { decodeJwt } from 'jose';
import type { Config } from '../../config/types.js';
import { createRedisAccess } from '../../infra/redis-client.js';
import type { Clock } from '../../lib/clock.js';
import { AdminInputError } from '../admin-input-error.js';
import { revocationKeys } from '../keys.js';
import { createRedisConnector } from '../redis/redis-connect.js';
import { listRedisRevocations } from '../redis/redis-list.js';
import { createRedisStore } from '../redis/redis-store.js';
import type { RevocationPage } from '../types.js';
import {
  applyRevokeRequest,
  knownIssuersOf,
  type RevokeRequest,
  type RevokeResult,
} from './revoke-request.js';

/** One place `keyway revoke` can send its work to. */
export interface RevokeTarget {
  /** Human description for output ("admin API http://…", "Redis"). */
  readonly name: string;
  revoke(request: RevokeRequest, body: Record<string, unknown>): Promise<RevokeResult>;
  list(cursor: string | undefined, limit: number): Promise<RevocationPage>;
  unrevoke(jti: string): Promise<boolean>;
  close(): Promise<void>;
}

/** A failure reported by the target; `usage` marks the caller's mistake (exit 2) rather than an outage (exit 1). */
export class TargetError extends Error {
  constructor(
    message: string,
    readonly usage: boolean,
  ) {
    super(message);
    this.name = 'TargetError';
  }
}

/** The admin API at `baseUrl` (…/admin/revocations is appended unless present), authenticated with `adminToken`. */
export function createAdminTarget(baseUrl: string, adminToken: string, fetchFn: typeof fetch): RevokeTarget {
  const root = baseUrl.replace(/\/+$/, '');
  const url = root.endsWith('/admin/revocations') ? root : `${root}/admin/revocations`;
  const call = async (
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: Record<string, unknown> }> => {
    let res: Response;
    try {
      res = await fetchFn(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      throw new TargetError(`admin API unreachable: ${(err as Error).message}`, false);
    }
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    // Only DELETE of a jti that was not revoked answers 404 not_revoked; any other 404 means a wrong URL.
    const notRevoked = method === 'DELETE' && res.status === 404 && json['reason'] === 'not_revoked';
    if (res.status >= 400 && !notRevoked) {
      const detail = typeof json['detail'] === 'string' ? `: ${json['detail']}` : '';
      throw new TargetError(
        `admin API ${res.status} ${String(json['reason'] ?? json['error'] ?? '')}${detail}`,
        res.status === 400,
      );
    }
    return { status: res.status, json };
  };
  const notAdminApi = () =>
    new TargetError(
      `${url} did not answer like keyway's admin API (check --admin-url: the admin listener)`,
      false,
    );
  return {
    name: `admin API ${url}`,
    async revoke(_request, body) {
      const revoked = (await call('POST', '', body)).json['revoked'];
      if (!revoked || typeof revoked !== 'object') throw notAdminApi();
      return revoked as RevokeResult;
    },
    async list(cursor, limit) {
      const query = new URLSearchParams({ limit: String(limit), ...(cursor ? { cursor } : {}) });
      const { json } = await call('GET', `?${query}`);
      if (!Array.isArray(json['items'])) throw notAdminApi();
      return {
        items: json['items'] as RevocationPage['items'],
        next: (json['next'] as string | null) ?? undefined,
      };
    },
    unrevoke: async (jti) => (await call('DELETE', `/${encodeURIComponent(jti)}`)).status === 200,
    close: async () => {},
  };
}

/** Redis named by the config; a presented token is only parsed here (no keys to verify it with). Entries are kept for
 * revocation.retention (resolved with the config), like the servers do; a writer without the servers' issuers still never prunes what they need
 * (the scripts prune with the largest retention any writer announced). Throws TargetError. */
export async function createRedisTarget(fullConfig: Config, clock: Clock): Promise<RevokeTarget> {
  const config = fullConfig.revocation;
  const redis = createRedisAccess(config);
  if (redis === undefined)
    throw new TargetError(
      'no target: pass --admin-url (or KEYWAY_ADMIN_URL), or set REDIS_URL / KEYWAY_CONFIG',
      true,
    );
  const client = createRedisConnector(redis, 1_000)('commands');
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    throw new TargetError(`Redis unreachable: ${(err as Error).message}`, false);
  }
  const storeOptions = {
    keys: revocationKeys(config.key_prefix),
    retention: config.retention,
    feedMaxLen: config.feed_max_len,
    clock,
  };
  const store = createRedisStore(client, storeOptions);
  const parseOnly = async (token: string) => {
    const claims = decodeJwt(token);
    return {
      ...(typeof claims.jti === 'string' ? { jti: claims.jti } : {}),
      ...(typeof claims.exp === 'number' ? { exp: claims.exp } : {}),
    };
  };
  const writer = {
    revokeJti: async (input: Parameters<typeof store.revokeJti>[0]) => void (await store.revokeJti(input)),
    revokeSubject: async (input: Parameters<typeof store.revokeSubject>[0]) =>
      void (await store.revokeSubject(input)),
  };
  const outage = (err: unknown): never => {
    if (err instanceof AdminInputError) throw err;
    throw new TargetError(`Redis: ${(err as Error).message}`, false);
  };
  return {
    name: 'Redis',
    revoke: (request) =>
      applyRevokeRequest(
        request,
        writer,
        parseOnly,
        Math.floor(clock() / 1000),
        knownIssuersOf(fullConfig),
      ).catch(outage),
    list: (cursor, limit) => listRedisRevocations(client, storeOptions, cursor, limit).catch(outage),
    unrevoke: (jti) => store.unrevokeJti(jti).then(({ removed }) => removed, outage),
    close: async () => void client.disconnect(),
  };
}

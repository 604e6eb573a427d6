// createReadinessChecks: what /readyz lists, and which failing check makes this instance unready (from the config).
import type { Config } from './config/types.js';
import type { ReadinessCheck } from './deps.js';
import type { AdminKeyStore } from './keys/issuer-key-store.js';
import type { RevocationGuard } from './revocation/guard.js';
import type { Router } from './route/router.js';

/**
 * Readiness means "this instance can decide the way its config says", not "every dependency is up": a readiness
 * probe pulls instances that fail it, and a dependency down for one is down for all, so gating on it would take the
 * whole fleet out at once and defeat the fail modes. Gating checks:
 * - `keys:<issuer>` of an issuer with `required: true`;
 * - `keys:any`: at least one issuer has usable keys (with one issuer: that issuer) — an instance with none can verify
 *   no token at all;
 * - `revocation` when the process's `revocation.fail` is `closed` (a stale mirror then denies every token), and in either mode while
 *   the mirror has never loaded (no snapshot, no load: every token is refused as revocation_unavailable);
 * - `routes` (a route table that never loaded routes nothing).
 * Every other check is listed with `gates: false`.
 */
export function createReadinessChecks(
  settings: { readonly issuers: Config['issuers']; readonly revocationFail: 'closed' | 'open' },
  stores: ReadonlyMap<string, AdminKeyStore>,
  revocation: RevocationGuard,
  router: Router,
): ReadinessCheck[] {
  const required = new Set(settings.issuers.filter((i) => i.required).map((i) => i.name));
  const keys = [...stores].map(([name, store]) => keyCheck(name, store, required.has(name)));
  const checks: ReadinessCheck[] = [...keys];
  if (stores.size > required.size) checks.push(anyKeysCheck(keys));
  const closed = settings.revocationFail === 'closed';
  checks.push({
    name: revocation.readiness.name,
    check() {
      const result = revocation.readiness.check();
      return { ...result, gates: closed || revocation.status().state === 'never_loaded' };
    },
  });
  checks.push(router.readiness);
  return checks;
}

function keyCheck(name: string, store: AdminKeyStore, gates: boolean): ReadinessCheck {
  return {
    name: `keys:${name}`,
    check() {
      const s = store.status();
      return { ok: s.ready, detail: s.ready ? `${s.keys} keys` : (s.lastError ?? 'no usable keys'), gates };
    },
  };
}

function anyKeysCheck(keys: readonly ReadinessCheck[]): ReadinessCheck {
  return {
    name: 'keys:any',
    check() {
      const ready = keys.filter((k) => k.check().ok).length;
      return {
        ok: ready > 0,
        detail: `${ready}/${keys.length} issuers have usable keys`,
      };
    },
  };
}

// The `revocation` config section: where the store lives (Redis URL, Sentinel, Cluster) and its freshness rules.
import { z } from 'zod';
import { duration } from './duration-schema.js';

export const revocationSchema = z
  .strictObject({
    redis_url: z
      .string()
      .regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL')
      .optional(),
    sentinel: z
      .strictObject({
        name: z.string(),
        sentinels: z.array(z.string()).min(1),
        password: z.string().optional(),
      })
      .optional(),
    cluster: z.array(z.string()).min(1).optional(),
    /** Password for the Sentinel-managed master or the Cluster nodes (a redis_url carries its own). */
    password: z.string().optional(),
    /** TLS to the Sentinel-managed master or the Cluster nodes (a redis_url uses rediss:// instead). */
    tls: z.boolean().default(false),
    /** PEM CA bundle to verify Redis's TLS certificate with (a private CA); implies TLS. Default: Node's CA store. */
    tls_ca_file: z.string().min(1).optional(),
    key_prefix: z
      .string()
      .min(1)
      .regex(/^[^{}\s]+$/, 'expected no braces or spaces (keyway adds the Cluster hash tag itself)')
      .default('keyway'),
    max_staleness: duration.default(5_000),
    heartbeat: duration.default(1_000),
    fail: z.enum(['closed', 'open']).default('closed'),
    max_token_lifetime: duration.default(86_400_000),
    /** Extra time an entry is kept past the token's exp (clock skew, verify leeway); at least every issuer's leeway is used. */
    leeway: duration.default(60_000),
    /** How long start() waits for the first full load before reporting not ready and retrying in the background. */
    start_timeout: duration.default(5_000),
    /** Timeout of one Redis command (the request path never waits on Redis; this bounds admin writes and resyncs). */
    command_timeout: duration.default(2_000),
    /** Approximate length the change feed stream is trimmed to. */
    feed_max_len: z.number().int().min(100).default(10_000),
    /** A local file keeping the mirror across restarts (read at start, rewritten after changes); unset: no file. */
    snapshot_file: z.string().min(1).optional(),
    /** How often the snapshot file is rewritten while the mirror changed (and once more at shutdown). */
    snapshot_interval: duration.default(2_000),
  })
  .superRefine((rev, ctx) => {
    const backends = [rev.redis_url, rev.sentinel, rev.cluster].filter((b) => b !== undefined).length;
    if (backends > 1) {
      ctx.addIssue({ code: 'custom', message: 'expected at most one of redis_url, sentinel, cluster' });
    }
    if (rev.heartbeat >= rev.max_staleness) {
      ctx.addIssue({
        code: 'custom',
        path: ['heartbeat'],
        message: 'expected a heartbeat shorter than max_staleness',
      });
    }
  })
  .prefault({});

// The `revocation` config section: where the store lives (Redis URL, Sentinel, Cluster) and its freshness rules.
import { z } from 'zod';
import { duration } from './duration-schema.js';

export const revocationSchema = z
  .strictObject({
    redis_url: z
      .string()
      .regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL')
      .optional()
      .describe(
        'The Redis holding revocations (redis:// or rediss:// for TLS); env REDIS_URL overrides. Unset (and no sentinel or cluster): an in-memory store, one instance only.',
      ),
    sentinel: z
      .strictObject({
        name: z.string(),
        sentinels: z.array(z.string()).min(1),
        password: z.string().optional(),
      })
      .optional()
      .describe('Redis Sentinel: { name, sentinels: ["host:port", …], password }.'),
    cluster: z
      .array(z.string())
      .min(1)
      .optional()
      .describe('Redis Cluster nodes ("host:port"; any subset of the masters).'),
    password: z
      .string()
      .optional()
      .describe(
        'Password for the Sentinel-managed master or the Cluster nodes (a redis_url carries its own).',
      ),
    tls: z
      .boolean()
      .default(false)
      .describe(
        'TLS to the Sentinel-managed master or the Cluster nodes (a redis_url uses rediss:// instead).',
      ),
    tls_ca_file: z
      .string()
      .min(1)
      .optional()
      .describe(
        "PEM CA bundle to verify Redis's TLS certificate with (a private CA); implies TLS. Default: Node's CA store.",
      ),
    key_prefix: z
      .string()
      .min(1)
      .regex(/^[^{}\s]+$/, 'expected no braces or spaces (keyway adds the Cluster hash tag itself)')
      .default('keyway')
      .describe('Prefix of every Redis key ({<key_prefix>:rev}:…).'),
    max_staleness: duration
      .default(5_000)
      .describe(
        'The mirror must have been confirmed complete at least this recently, else the fail mode applies.',
      ),
    heartbeat: duration
      .default(1_000)
      .describe('How often the mirror is confirmed against Redis (shorter than max_staleness).'),
    fail: z
      .enum(['closed', 'open'])
      .default('closed')
      .describe('With a stale mirror: closed → 503 revocation_unavailable; open → allow, log and count.'),
    max_token_lifetime: duration
      .default(86_400_000)
      .describe(
        'How long a subject revocation is kept; tokens living longer (exp − iat) are refused (lifetime_too_long).',
      ),
    leeway: duration
      .default(60_000)
      .describe(
        "Extra time an entry is kept past the token's exp (clock skew, verify leeway); at least every issuer's leeway is used.",
      ),
    start_timeout: duration
      .default(5_000)
      .describe(
        'How long start waits for the first full load before reporting not ready and retrying in the background.',
      ),
    command_timeout: duration
      .default(2_000)
      .describe(
        'Timeout of one Redis command (the request path never waits on Redis; this bounds admin writes and resyncs).',
      ),
    feed_max_len: z
      .number()
      .int()
      .min(100)
      .default(10_000)
      .describe('Approximate length the change feed stream is trimmed to.'),
    snapshot_file: z
      .string()
      .min(1)
      .optional()
      .describe(
        'A local file keeping the mirror across restarts (read at start, rewritten after changes); unset: no file.',
      ),
    snapshot_interval: duration
      .default(2_000)
      .describe(
        'How often the snapshot file is rewritten while the mirror changed (and once more at shutdown).',
      ),
  })
  .superRefine((rev, ctx) => {
    const backends = [rev.redis_url, rev.sentinel, rev.cluster].filter((b) => b !== undefined).length;
    if (backends > 1) {
      ctx.addIssue({
        code: 'custom',
        params: { code: 'conflict' },
        message: 'expected at most one of redis_url, sentinel, cluster',
      });
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

// The `routing` config section: routing-key templates, the route table source, the upstream allowlist, health checks.
import { z } from 'zod';
import { keyTemplateProblem } from '../lib/key-template.js';
import { isUpstream, UPSTREAM_EXPECTED } from '../lib/upstream.js';
import { duration } from './duration-schema.js';

/** An upstream address `host:port` (no scheme, path or spaces): what a proxy may dial. */
const upstream = z.string().refine(isUpstream, { message: UPSTREAM_EXPECTED });

/** A routing key template whose placeholders are separated by a character no claim value may hold. */
export const keyTemplate = z.string().superRefine((template, ctx) => {
  const problem = keyTemplateProblem(template);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const routingSchema = z
  .strictObject({
    instance_key: keyTemplate
      .default('{tenant}/{service}/{version}/{instance}')
      .describe('Routing key of one instance, filled from claims ({claim} placeholders); looked up first.'),
    version_key: keyTemplate
      .default('{tenant}/{service}/{version}')
      .describe(
        'Routing key of a version, filled from claims; looked up when the instance key has no healthy upstream.',
      ),
    table_file: z
      .string()
      .min(1)
      .optional()
      .describe('Route table file (JSON or YAML), hot-reloaded; exclusive with redis.'),
    redis: z
      .boolean()
      .default(false)
      .describe(
        'Read the route table from Redis (revocation.redis_url / sentinel / cluster); exclusive with table_file.',
      ),
    redis_key: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Redis hash holding the table; default <revocation.key_prefix>:routes (changes announced on <key>:changed).',
      ),
    resync_interval: duration
      .default(30_000)
      .describe('Full re-read of the Redis table, in case a change message was missed.'),
    poll_interval: duration
      .default(2_000)
      .describe('Polling fallback for table_file changes (fs.watch is used too when the platform has it).'),
    default_upstreams: z
      .array(upstream)
      .default([])
      .describe(
        'Upstreams ("host:port") used when neither routing key has a healthy one and the table has no default.',
      ),
    upstream_allowlist: z
      .array(upstream)
      .default([])
      .describe(
        'When set, every table upstream must be one of these ("host:port"); keyway print-config writes it into the proxy config.',
      ),
    health: z
      .strictObject({
        path: z
          .string()
          .regex(/^\/[\x21-\x7e]*$/, 'expected an absolute path like "/healthz"')
          .default('/healthz')
          .describe('Path of the health check request.'),
        interval: duration.default(1_000).describe('Time between two checks of one upstream.'),
        timeout: duration.default(500).describe('Timeout of one check (shorter than interval).'),
        healthy_threshold: z
          .number()
          .int()
          .min(1)
          .default(1)
          .describe('Consecutive successes that bring an upstream back.'),
        unhealthy_threshold: z
          .number()
          .int()
          .min(1)
          .default(2)
          .describe('Consecutive failures that mark an upstream down.'),
        enabled: z.boolean().default(true).describe('false trusts every upstream without checking.'),
      })
      .prefault({})
      .describe('Active health checks: GET http://<upstream><path> every interval; 2xx/3xx is healthy.'),
  })
  .superRefine((routing, ctx) => {
    if (routing.table_file !== undefined && routing.redis) {
      ctx.addIssue({
        code: 'custom',
        path: ['redis'],
        params: { code: 'conflict' },
        message: 'expected either table_file or redis: true, not both',
      });
    }
    if (routing.health.timeout >= routing.health.interval) {
      ctx.addIssue({
        code: 'custom',
        path: ['health', 'timeout'],
        message: 'expected a timeout shorter than health.interval',
      });
    }
    const allowed = new Set(routing.upstream_allowlist);
    routing.default_upstreams.forEach((u, i) => {
      if (allowed.size > 0 && !allowed.has(u)) {
        ctx.addIssue({
          code: 'custom',
          path: ['default_upstreams', i],
          message: `${u} is not in routing.upstream_allowlist`,
        });
      }
    });
  })
  .prefault({});

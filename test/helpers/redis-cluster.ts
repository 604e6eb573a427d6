// Start a local Redis Cluster of real redis-server masters on free ports (redis-cli --cluster create), for cluster tests.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type RedisServer, startRedis } from './redis-server.js';
import { waitFor } from './wait-for.js';

const run = promisify(execFile);

export interface RedisCluster {
  readonly nodes: readonly RedisServer[];
  /** `127.0.0.1:<port>` of every master (what revocation.cluster takes). */
  readonly addresses: readonly string[];
  /** The index of the node that owns `key`'s slot. */
  nodeFor(key: string): Promise<number>;
  /** Run redis-cli against node `i` (no -c): e.g. `cli(0, 'cluster', 'info')`. */
  cli(i: number, ...args: string[]): Promise<string>;
  /** Wait until every node reports cluster_state:ok. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Start `masters` nodes (no replicas), join them into one cluster and wait until it serves every slot. */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const nodes: RedisServer[] = [];
  for (let i = 0; i < masters; i++) {
    // The bus port is chosen explicitly: the default (port + 10000) may be taken or above 65535.
    nodes.push(
      await startRedis(
        ([busPort]) => [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          'nodes.conf',
          '--cluster-port',
          String(busPort),
          '--cluster-node-timeout',
          '3000',
        ],
        1,
      ),
    );
  }
  const addresses = nodes.map((n) => `127.0.0.1:${n.port}`);
  const cli = async (i: number, ...args: string[]) =>
    (await run('redis-cli', ['-p', String(nodes[i]!.port), ...args], { encoding: 'utf8' })).stdout.trim();
  const waitHealthy = async (timeoutMs = 20_000) => {
    await waitFor(
      'the redis cluster to be healthy',
      async () => {
        const states = await Promise.all(nodes.map((_, i) => cli(i, 'cluster', 'info').catch(() => '')));
        return states.every((s) => s.includes('cluster_state:ok'));
      },
      timeoutMs,
      50,
    );
  };
  await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes']);
  await waitHealthy();
  return {
    nodes,
    addresses,
    cli,
    waitHealthy,
    async nodeFor(key) {
      const slot = Number(await cli(0, 'cluster', 'keyslot', key));
      for (const line of (await cli(0, 'cluster', 'nodes')).split('\n')) {
        const [, address, , , , , , , ...ranges] = line.split(' ');
        const inRange = ranges.some((r) => {
          const [lo, hi = lo] = r.split('-').map(Number);
          return lo !== undefined && hi !== undefined && slot >= lo && slot <= hi;
        });
        if (inRange) return addresses.indexOf(address!.split('@')[0]!);
      }
      throw new Error(`no node owns slot ${slot}`);
    },
    async close() {
      await Promise.all(nodes.map((n) => n.close()));
    },
  };
}

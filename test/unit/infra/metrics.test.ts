// createMetrics: the families every registry has from the start — the build, and the log lines stdout dropped.
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/infra/metrics.js';
import { VERSION } from '../../../src/version.js';

describe('createMetrics', () => {
  it('exports keyway_build_info as 1 with the version and Node labels', async () => {
    const { registry } = createMetrics({ processMetrics: false });
    expect(await registry.metrics()).toContain(
      `keyway_build_info{version="${VERSION}",node="${process.versions.node}"} 1`,
    );
  });

  it('exports the log lines the stdout sink dropped, read at every scrape', async () => {
    let dropped = 0;
    const { registry } = createMetrics({ processMetrics: false, droppedLogLines: () => dropped });
    expect(await registry.metrics()).toMatch(/^keyway_log_lines_dropped_total 0$/m);
    dropped = 7;
    expect(await registry.metrics()).toMatch(/^keyway_log_lines_dropped_total 7$/m);
    dropped = 9;
    expect(await registry.metrics()).toMatch(/^keyway_log_lines_dropped_total 9$/m);
  });

  it('reads the process stdout sink by default (nothing dropped in a test run)', async () => {
    const { registry } = createMetrics({ processMetrics: false });
    expect(await registry.metrics()).toMatch(/^# TYPE keyway_log_lines_dropped_total counter$/m);
    expect(await registry.metrics()).toMatch(/^keyway_log_lines_dropped_total 0$/m);
  });
});

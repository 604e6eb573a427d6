// Issue 5 end to end through real caddy (Debian's package) on a per-test copy of examples/caddy/.
import { describeRoutingFlows } from './routing-flows.js';

describeRoutingFlows('caddy', {
  keywayDown: 502,
  unknownUpstream: 502,
});

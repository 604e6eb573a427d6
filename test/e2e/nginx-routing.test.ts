// Issue 5 end to end through real nginx (Debian's package) on a per-test copy of examples/nginx/.
import { describeRoutingFlows } from './routing-flows.js';

describeRoutingFlows('nginx', {
  keywayDown: 500,
  unknownUpstream: 502,
});

// Issue 5 end to end through the Traefik forwardAuth emulator on examples/traefik/ (≥ 3.6 child routers and two hops).
import { describeRoutingFlows } from './routing-flows.js';

describeRoutingFlows('traefik', {
  keywayDown: 500,
  unknownUpstream: 404,
});
describeRoutingFlows('traefik-two-hop', {
  keywayDown: 500,
  unknownUpstream: 404,
});

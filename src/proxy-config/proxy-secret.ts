// The proxy secret in each snippet: the proxy sets X-Keyway-Proxy-Secret on the auth subrequest only (replacing any
// client copy), and removes it from the request the backend gets. The value comes from the proxy's environment
// (KEYWAY_PROXY_SECRET), never from the printed file: print-config never prints a secret.
import type { ProxyInput } from './proxy-input.js';

/** The header the proxy adds to every auth subrequest when `server.proxy_secret` is set (/auth checks it). */
export const PROXY_SECRET_HEADER = 'X-Keyway-Proxy-Secret';
/** Where the proxy reads the value from (the same variable keyway reads). */
export const PROXY_SECRET_ENV = 'KEYWAY_PROXY_SECRET';

/** Caddy: delete the client's copy (in the strip list, before forward_auth) and set it on the subrequest only. */
export function caddyProxySecret(input: ProxyInput): { strip: string[]; subrequest: string[] } {
  if (!input.proxySecret) return { strip: [], subrequest: [] };
  return {
    strip: [`\t\trequest_header -${PROXY_SECRET_HEADER}`],
    // header_up changes forward_auth's copy of the request; the request the backend gets never had it.
    subrequest: [`\t\t\theader_up ${PROXY_SECRET_HEADER} {env.${PROXY_SECRET_ENV}}`],
  };
}

/**
 * nginx: set on the /_keyway subrequest, removed toward the backend. nginx reads no environment: `${…}` is filled by
 * envsubst (the nginx image does it for /etc/nginx/templates/*.template); left unfilled, nginx refuses to start
 * ("unknown variable"), so a missing secret never becomes an empty one.
 */
export function nginxProxySecret(input: ProxyInput): { subrequest: string[]; backend: string[] } {
  if (!input.proxySecret) return { subrequest: [], backend: [] };
  return {
    subrequest: [
      // The comment names no placeholder: envsubst would fill it too, writing the secret into a comment.
      `\t\t# The proxy secret (server.proxy_secret), filled in from ${PROXY_SECRET_ENV} by envsubst at start.`,
      `\t\tproxy_set_header ${PROXY_SECRET_HEADER} "\${${PROXY_SECRET_ENV}}";`,
    ],
    backend: [`\t\tproxy_set_header ${PROXY_SECRET_HEADER} "";`],
  };
}

/**
 * Traefik: forwardAuth cannot add a header, so a headers middleware sets it before (replacing a client copy; it is
 * then sent to keyway with the other request headers) and another removes it after (an empty value deletes).
 * The value is a file-provider template: Traefik fills `{{ env … }}` when it loads the file.
 */
export function traefikProxySecret(input: ProxyInput): {
  before: string[];
  after: string[];
  middlewares: string;
} {
  if (!input.proxySecret) return { before: [], after: [], middlewares: '' };
  return {
    before: ['keyway-proxy-secret'],
    after: ['keyway-proxy-secret-strip'],
    middlewares: `    keyway-proxy-secret:
      headers:
        customRequestHeaders:
          ${PROXY_SECRET_HEADER}: '{{ env "${PROXY_SECRET_ENV}" }}'
    keyway-proxy-secret-strip:
      headers:
        customRequestHeaders:
          ${PROXY_SECRET_HEADER}: ''
`,
  };
}

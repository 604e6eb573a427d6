// The forwarding headers backends read the client's host, scheme, address, path or method from: every snippet sets each
// one to what the proxy told keyway, or removes it, so a client's copy never gives a backend another reading.

/**
 * Every request header a common framework or server reads as the client's host, scheme, address, path, method or
 * certificate when it trusts its proxy: Rack/Rails (Forwarded first since Rack 3, X-Forwarded-Host/-Proto/-Port/-Ssl/
 * -Scheme, Client-IP), Express with `trust proxy` (X-Forwarded-For/-Host/-Proto), Django (USE_X_FORWARDED_HOST/_PORT),
 * Flask/Werkzeug ProxyFix (X-Forwarded-For/-Proto/-Host/-Port/-Prefix), Spring ForwardedHeaderFilter (Forwarded,
 * X-Forwarded-Host/-Port/-Proto/-Ssl/-Prefix/-For), ASP.NET ForwardedHeaders (X-Forwarded-For/-Proto/-Host/-Prefix),
 * Tomcat RemoteIpValve (X-Forwarded-By), Jetty (X-Forwarded-Server), gunicorn (X-Forwarded-Protocol), Tornado
 * (X-Scheme, X-Real-IP), IIS-style URL rewriting in Symfony/Laminas (X-Original-URL, X-Rewrite-Url), PHP apps
 * (Front-End-Https), client-IP libraries such as npm request-ip (X-Client-IP, True-Client-IP, …), and the proxies'
 * own forward-auth conventions (X-Forwarded-Uri/-Method, X-Original-URI/-Method).
 */
export const FORWARDING_HEADERS = [
  'Forwarded',
  'X-Forwarded-For',
  'X-Forwarded-Host',
  'X-Forwarded-Proto',
  'X-Forwarded-Port',
  'X-Forwarded-Prefix',
  'X-Forwarded-Server',
  'X-Forwarded-By',
  'X-Forwarded-Uri',
  'X-Forwarded-Method',
  'X-Forwarded-Path',
  'X-Forwarded-Ssl',
  'X-Forwarded-Scheme',
  'X-Forwarded-Protocol',
  'X-Forwarded-Client-Cert',
  'X-Forwarded-Tls-Client-Cert',
  'X-Forwarded-Tls-Client-Cert-Info',
  'X-Original-URI',
  'X-Original-URL',
  'X-Original-Method',
  'X-Original-Host',
  'X-Original-Proto',
  'X-Original-For',
  'X-Rewrite-Url',
  'X-Scheme',
  'X-Url-Scheme',
  'Front-End-Https',
  'X-Host',
  'X-Real-IP',
  'X-Client-IP',
  'Client-IP',
  'True-Client-IP',
  'X-Cluster-Client-IP',
  'CF-Connecting-IP',
  'Fastly-Client-IP',
] as const;

/**
 * Set by Traefik itself on every request from a peer outside `forwardedHeaders.trustedIPs`: the names of its
 * XHeadersSet (pkg/middlewares/forwardedheaders/forwarded_header.go), deleted with their underscore spellings, then
 * X-Forwarded-Proto/-Port/-Host/-Server and X-Real-Ip set from the connection (X-Forwarded-For by its proxy).
 */
export const TRAEFIK_MANAGED = [
  'X-Forwarded-Proto',
  'X-Forwarded-Scheme',
  'X-Forwarded-For',
  'X-Forwarded-Host',
  'X-Forwarded-Port',
  'X-Forwarded-Server',
  'X-Forwarded-Uri',
  'X-Forwarded-Method',
  'X-Forwarded-Prefix',
  'X-Forwarded-Tls-Client-Cert',
  'X-Forwarded-Tls-Client-Cert-Info',
  'X-Scheme',
  'X-Real-IP',
] as const;

/** Set by Caddy's reverse_proxy (and so forward_auth) on both hops when the client is not a trusted proxy. */
export const CADDY_MANAGED = ['X-Forwarded-For', 'X-Forwarded-Host', 'X-Forwarded-Proto'] as const;

/** FORWARDING_HEADERS minus `managed` (compared case-insensitively): what a snippet must remove itself. */
export function unmanagedForwardingHeaders(managed: readonly string[]): readonly string[] {
  const set = new Set(managed.map((h) => h.toLowerCase()));
  return FORWARDING_HEADERS.filter((h) => !set.has(h.toLowerCase()));
}

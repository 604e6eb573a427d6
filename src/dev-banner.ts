// devBanner: the loud dev-mode notice with a ready token and one curl line per proxy style.

/** The text printed by `npm start` in dev mode. The token is a dev token for a throwaway key: printing it is the point. */
export function devBanner(port: number, issuer: string, token: string): string {
  const base = `http://127.0.0.1:${port}/auth`;
  const line = '='.repeat(78);
  return `
${line}
  keyway DEV MODE — embedded issuer with a throwaway key. NOT FOR PRODUCTION.
  Configure an issuer (KEYWAY_CONFIG, KEYWAY_JWKS_URL or KEYWAY_HS_SECRET) to leave dev mode.
${line}
  issuer:  ${issuer}
  JWKS:    ${issuer}/jwks.json
  token (1 hour):
TOKEN=${token}

  # Traefik forwardAuth style
  curl -i ${base} -H "X-Forwarded-Method: GET" -H "X-Forwarded-Proto: https" -H "X-Forwarded-Host: app.example.com" -H "X-Forwarded-Uri: /api/items?page=1" -H "X-Forwarded-For: 203.0.113.7" -H "Authorization: Bearer $TOKEN"

  # Caddy forward_auth style (original Host kept, X-Forwarded-Method/-Uri added)
  curl -i ${base} -H "Host: app.example.com" -H "X-Forwarded-Method: GET" -H "X-Forwarded-Uri: /api/items" -H "X-Forwarded-Host: app.example.com" -H "X-Forwarded-Proto: https" -H "Authorization: Bearer $TOKEN"

  # nginx auth_request style
  curl -i ${base} -H "X-Original-URI: /api/items" -H "X-Original-Method: GET" -H "X-Forwarded-Host: app.example.com" -H "Authorization: Bearer $TOKEN"
${line}
`;
}

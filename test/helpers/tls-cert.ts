// A self-signed certificate made by openssl (the system one) for loopback TLS servers in tests.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCert {
  readonly certFile: string;
  readonly keyFile: string;
  /** PEM text of the certificate (it is its own CA). */
  readonly cert: string;
}

/** Write `<name>.pem` / `<name>.key` into `dir`: EC P-256, one day, CN and SAN localhost + 127.0.0.1. */
export function selfSignedCert(dir: string, name = 'server'): TestCert {
  const certFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1'],
      ...['-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
      ...['-keyout', keyFile, '-out', certFile],
    ],
    { stdio: 'ignore', timeout: 30_000 },
  );
  return { certFile, keyFile, cert: readFileSync(certFile, 'utf8') };
}

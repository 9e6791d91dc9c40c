// A self-signed certificate for 127.0.0.1, made with openssl for each test run: the fake gateways
// serve it, and the push service trusts it through SWITCHYARD_PUSH_CA_FILE like any extra CA.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCertificate {
  key: string;
  cert: string;
  /** The certificate's PEM file, to hand to a client as its extra CA. */
  certFile: string;
}

export function selfSignedCertificate(dir: string): TestCertificate {
  const keyFile = join(dir, 'gateway-key.pem');
  const certFile = join(dir, 'gateway-cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=push-gateway.test',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ], { stdio: 'pipe' });
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile };
}

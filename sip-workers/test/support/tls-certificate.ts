// A self-signed certificate for 127.0.0.1, made with openssl for each test run: the fake push
// gateways and the SIP workers' TLS listeners serve it, and clients trust it as an extra CA
// (SWITCHYARD_PUSH_CA_FILE, SWITCHYARD_TLS_CA_FILE).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCertificate {
  key: string;
  cert: string;
  /** The certificate's PEM file, to hand to a client as its extra CA. */
  certFile: string;
  keyFile: string;
}

/** `altNames`: the subjectAltName the certificate carries, as openssl writes it. */
export function selfSignedCertificate(dir: string, name = 'gateway', altNames = 'IP:127.0.0.1,DNS:localhost'): TestCertificate {
  const keyFile = join(dir, `${name}-key.pem`);
  const certFile = join(dir, `${name}-cert.pem`);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', `/CN=${name}.test`,
    '-addext', `subjectAltName=${altNames}`,
  ], { stdio: 'pipe' });
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile, keyFile };
}

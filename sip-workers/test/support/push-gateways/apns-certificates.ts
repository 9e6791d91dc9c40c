// APNs certificates as Apple issues them, made with openssl for each test run: a stand-in for
// Apple's developer relations CA, and push certificates it signs with Apple's subject layout
// (UID = bundle ID, CN = "Apple Push Services: <bundle ID>", OU = Team ID) for TLS client auth.
// The fake APNs trusts only that CA for client certificates, as APNs trusts only Apple's.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestCertificate } from '../tls-certificate.ts';

const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });

export function appleCertificateAuthority(dir: string): TestCertificate {
  const keyFile = join(dir, 'apple-ca-key.pem');
  const certFile = join(dir, 'apple-ca-cert.pem');
  openssl([
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2',
    '-subj', '/CN=Apple Worldwide Developer Relations CA (test)/OU=G4/O=Apple Inc. (test)/C=US',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile, keyFile };
}

/** A push certificate for `bundleID` of team `teamID`, signed by `ca` (RSA 2048, as Apple issues them). */
export function applePushCertificate(dir: string, ca: TestCertificate, options: { name: string; bundleID: string; teamID: string }): TestCertificate {
  const keyFile = join(dir, `${options.name}-key.pem`);
  const certFile = join(dir, `${options.name}-cert.pem`);
  const requestFile = join(dir, `${options.name}.csr`);
  const extensionsFile = join(dir, `${options.name}.ext`);
  writeFileSync(extensionsFile, 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
  openssl([
    'req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', requestFile,
    '-subj', `/UID=${options.bundleID}/CN=Apple Push Services: ${options.bundleID}/OU=${options.teamID}/O=Switchyard Test/C=US`,
  ]);
  openssl(['x509', '-req', '-in', requestFile, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-out', certFile, '-days', '1', '-extfile', extensionsFile]);
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile, keyFile };
}

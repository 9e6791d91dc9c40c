// Per-run PKI for the test control plane: a CA, the API server's serving certificate, client
// certificates for the admin and the controller manager, and the service-account signing key.
// openssl does the work because Node's crypto cannot issue X.509 certificates.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const openssl = (...args: string[]) => run('openssl', args);

export interface Pki {
  caCert: string;
  servingCert: string;
  servingKey: string;
  serviceAccountKey: string;
  serviceAccountPublicKey: string;
  clients: Record<'admin' | 'controllerManager', { cert: string; key: string }>;
}

const ecKey = (path: string) => openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path);

async function issue(dir: string, name: string, subject: string, extensions: string, ca: { cert: string; key: string }) {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.crt`);
  const ext = join(dir, `${name}.ext`);
  await ecKey(key);
  await openssl('req', '-new', '-key', key, '-subj', subject, '-out', csr);
  await writeFile(ext, extensions);
  await openssl('x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '30', '-extfile', ext, '-out', cert);
  return { cert, key };
}

export async function createPki(dir: string): Promise<Pki> {
  const ca = { cert: join(dir, 'ca.crt'), key: join(dir, 'ca.key') };
  await ecKey(ca.key);
  await openssl('req', '-x509', '-new', '-key', ca.key, '-subj', '/CN=switchyard-test-ca', '-days', '30', '-out', ca.cert);
  const serving = await issue(dir, 'apiserver', '/CN=kube-apiserver', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n', ca);
  const client = 'extendedKeyUsage=clientAuth\n';
  const admin = await issue(dir, 'admin', '/O=system:masters/CN=switchyard-admin', client, ca);
  // system:masters: with one identity for all its controllers, the namespace controller must be
  // able to delete every kind of object when a namespace goes away.
  const controllerManager = await issue(dir, 'controller-manager', '/O=system:masters/CN=system:kube-controller-manager', client, ca);
  const serviceAccountKey = join(dir, 'service-account.key');
  const serviceAccountPublicKey = join(dir, 'service-account.pub');
  await openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', serviceAccountKey);
  await openssl('pkey', '-in', serviceAccountKey, '-pubout', '-out', serviceAccountPublicKey);
  return { caCert: ca.cert, servingCert: serving.cert, servingKey: serving.key, serviceAccountKey, serviceAccountPublicKey, clients: { admin, controllerManager } };
}

// Credentials as Apple and Google hand them out, generated per test: an APNs .p8 (a P-256 key in
// PKCS#8 PEM) and a service-account key file in Google's JSON layout. The public halves are what
// the fake gateways check signatures with.
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';

export interface ApnsSigningKey {
  /** The .p8 file's content. */
  pem: string;
  publicKey: KeyObject;
}

export function apnsSigningKey(): ApnsSigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey };
}

export interface GoogleServiceAccount {
  /** The key file's content. */
  json: string;
  clientEmail: string;
  privateKeyID: string;
  publicKey: KeyObject;
}

export function googleServiceAccount(projectID: string, tokenURI: string): GoogleServiceAccount {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const clientEmail = `switchyard-push@${projectID}.iam.gserviceaccount.com`;
  const privateKeyID = randomBytes(20).toString('hex');
  const json = JSON.stringify({
    type: 'service_account',
    project_id: projectID,
    private_key_id: privateKeyID,
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: clientEmail,
    client_id: '104857600000000000001',
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: tokenURI,
    auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
    client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(clientEmail)}`,
    universe_domain: 'googleapis.com',
  }, null, 2);
  return { json, clientEmail, privateKeyID, publicKey };
}

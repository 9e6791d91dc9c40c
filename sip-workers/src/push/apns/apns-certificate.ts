// The APNs certificate and key read at start, refused before any push when they cannot work: a
// PEM that does not parse, a key that is not the certificate's, or a certificate outside its
// validity. APNs would refuse each push with such a pair; saying so at start names the cause.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { ApnsCertificate } from './apns-client.ts';

export function usableCertificate(pair: ApnsCertificate, nowMs: number): ApnsCertificate {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pair.cert);
  } catch {
    throw new Error('the certificate file is not a PEM certificate');
  }
  let matches: boolean;
  try {
    matches = certificate.checkPrivateKey(createPrivateKey(pair.key));
  } catch {
    throw new Error('the key file is not a PEM private key');
  }
  if (!matches) throw new Error('the key is not the certificate\'s');
  const validTo = Date.parse(certificate.validTo);
  if (validTo <= nowMs) throw new Error(`the certificate expired at ${new Date(validTo).toISOString()}`);
  if (Date.parse(certificate.validFrom) > nowMs) throw new Error(`the certificate is valid only from ${new Date(Date.parse(certificate.validFrom)).toISOString()}`);
  return pair;
}

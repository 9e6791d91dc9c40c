// A PEM certificate and its key as a TLS peer will judge them: the certificate parses, the key is
// a usable PEM key and the certificate's own, and the certificate is valid at `now`. One rule for
// the operator (its Carrier conditions on the SIP TLS and APNs Secrets) and the push service (its
// start-up check of the APNs certificate it mounts).
import { createPrivateKey, X509Certificate } from 'node:crypto';

export interface CertificatePairProblem {
  reason: 'CertificateInvalid' | 'KeyEncrypted' | 'KeyInvalid' | 'KeyMismatch' | 'CertificateNotYetValid' | 'CertificateExpired';
  /** Which half is at fault. */
  subject: 'certificate' | 'key';
  /** Completes a sentence whose subject names that half ("tls.key in Secret x", "the key file"). */
  detail: string;
}

export function parsedCertificate(pem: string): X509Certificate | undefined {
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

/**
 * A passphrase-protected PEM key (PKCS#8 "ENCRYPTED PRIVATE KEY", or a traditional key with
 * Proc-Type 4,ENCRYPTED): what `openssl pkcs12 -nocerts` writes without -nodes, as the Sipwise
 * handbook's steps for an APNs key do. No pod can give the passphrase.
 */
const encryptedKey = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/;

export function checkCertificatePair(cert: string, key: string, now: Date): { certificate: X509Certificate; validTo: Date } | CertificatePairProblem {
  const certificate = parsedCertificate(cert);
  if (!certificate) return { reason: 'CertificateInvalid', subject: 'certificate', detail: 'is not a PEM certificate' };
  if (encryptedKey.test(key)) return { reason: 'KeyEncrypted', subject: 'key', detail: 'is encrypted with a passphrase, which no pod can give: store it decrypted (openssl pkey -in key.pem -out decrypted.pem)' };
  let matches: boolean;
  try {
    matches = certificate.checkPrivateKey(createPrivateKey(key));
  } catch {
    return { reason: 'KeyInvalid', subject: 'key', detail: 'is not a PEM private key' };
  }
  if (!matches) return { reason: 'KeyMismatch', subject: 'key', detail: 'is not the key of its certificate' };
  const validFrom = new Date(certificate.validFrom);
  const validTo = new Date(certificate.validTo);
  if (validFrom > now) return { reason: 'CertificateNotYetValid', subject: 'certificate', detail: `is valid only from ${validFrom.toISOString()}` };
  if (validTo <= now) return { reason: 'CertificateExpired', subject: 'certificate', detail: `expired at ${validTo.toISOString()}` };
  return { certificate, validTo };
}

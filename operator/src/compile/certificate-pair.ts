// A PEM certificate and its key from a Secret, as a peer will judge them: that the certificate
// parses, that the key is its own, and that it is valid at `now`. Shared by the SIP TLS
// certificate and the APNs certificate, whose conditions say the same things about different Secrets.
import { createPrivateKey, X509Certificate } from 'node:crypto';

export interface CertificateProblem {
  reason: 'CertificateInvalid' | 'KeyMismatch' | 'CertificateNotYetValid' | 'CertificateExpired';
  message: string;
}

export function parsedCertificate(pem: string): X509Certificate | undefined {
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

function keyMatches(certificate: X509Certificate, pem: string): boolean {
  try {
    return certificate.checkPrivateKey(createPrivateKey(pem));
  } catch {
    return false;
  }
}

/**
 * `where` names the Secret in messages ("Secret sip-cert"); `whenExpired` says what an expired
 * certificate breaks.
 */
export function checkCertificatePair(cert: string, key: string, now: Date, where: string, whenExpired: string): { certificate: X509Certificate; validTo: Date } | CertificateProblem {
  const certificate = parsedCertificate(cert);
  if (!certificate) return { reason: 'CertificateInvalid', message: `tls.crt in ${where} is not a PEM certificate.` };
  if (!keyMatches(certificate, key)) return { reason: 'KeyMismatch', message: `tls.key in ${where} is not the key of its certificate.` };
  const validFrom = new Date(certificate.validFrom);
  const validTo = new Date(certificate.validTo);
  if (validFrom > now) return { reason: 'CertificateNotYetValid', message: `The certificate in ${where} is valid only from ${validFrom.toISOString()}.` };
  if (validTo <= now) return { reason: 'CertificateExpired', message: `The certificate in ${where} expired at ${validTo.toISOString()}; ${whenExpired}.` };
  return { certificate, validTo };
}

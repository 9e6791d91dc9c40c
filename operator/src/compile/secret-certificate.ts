// A kubernetes.io/tls Secret's certificate pair judged for a Carrier condition: the shared rule
// (api/certificates/certificate-pair.ts) in sentences that name the Secret's entry at fault.
import { checkCertificatePair, type CertificatePairProblem } from '../../../api/certificates/certificate-pair.ts';
import type { X509Certificate } from 'node:crypto';

export interface SecretCertificateProblem {
  reason: CertificatePairProblem['reason'];
  message: string;
}

/** `secretName` names the Secret in messages; `whenExpired` says what an expired certificate breaks. */
export function checkSecretCertificate(cert: string, key: string, now: Date, secretName: string, whenExpired: string): { certificate: X509Certificate; validTo: Date } | SecretCertificateProblem {
  const checked = checkCertificatePair(cert, key, now);
  if (!('reason' in checked)) return checked;
  const entry = checked.subject === 'certificate' ? 'tls.crt' : 'tls.key';
  const consequence = checked.reason === 'CertificateExpired' ? `; ${whenExpired}` : '';
  return { reason: checked.reason, message: `${entry} in Secret ${secretName} ${checked.detail}${consequence}.` };
}

// The APNs certificate and key read at start, refused before any push when they cannot work (the
// rule the operator also applies: api/certificates/certificate-pair.ts). APNs would refuse each
// push with such a pair; saying so at start names the cause.
import { checkCertificatePair } from '../../../../api/certificates/certificate-pair.ts';
import type { ApnsCertificate } from './apns-client.ts';

export function usableCertificate(pair: ApnsCertificate, nowMs: number): ApnsCertificate {
  const checked = checkCertificatePair(pair.cert, pair.key, new Date(nowMs));
  if ('reason' in checked) throw new Error(`the ${checked.subject} file ${checked.detail}`);
  return pair;
}

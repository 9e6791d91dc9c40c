// The Carrier's SipTlsCertificateValid condition: whether the Secret its SIP workers serve TLS
// with exists, holds a certificate and the key that goes with it, and is valid now, with the
// expiry in the message. Without it a missing Secret shows only as worker pods stuck in
// ContainerCreating, and an expired certificate as carriers' TLS handshakes failing.
import { parsedCertificate } from '../../../api/certificates/certificate-pair.ts';
import { checkSecretCertificate } from './secret-certificate.ts';
import type { ConditionInput } from './conditions.ts';
import type { CarrierObject, ObservedSecret } from './observed.ts';

const type = 'SipTlsCertificateValid';
const field = 'spec.sipWorkers.tls.secretRef';
const invalid = (reason: string, message: string): { condition: ConditionInput } => ({ condition: { type, status: 'False', reason, message } });

/** The condition, and when the certificate expires once it passed; undefined when the Carrier serves no TLS (no condition). */
export function sipTlsCertificate(carrier: CarrierObject, secrets: ReadonlyMap<string, ObservedSecret>, now: Date): { condition: ConditionInput; expiry?: Date } | undefined {
  const tls = carrier.spec.sipWorkers.tls;
  if (!tls) return undefined;
  const { namespace } = carrier.metadata;
  const secret = secrets.get(`${namespace}/${tls.secretRef.name}`);
  if (!secret) return invalid('SecretNotFound', `Secret ${tls.secretRef.name} (${field}) does not exist, so the SIP worker pods cannot start.`);
  const cert = secret.data['tls.crt'];
  const key = secret.data['tls.key'];
  if (cert === undefined || key === undefined) return invalid('SecretKeyNotFound', `Secret ${tls.secretRef.name} (${field}) needs tls.crt and tls.key, as a kubernetes.io/tls Secret has them.`);
  const pair = checkSecretCertificate(cert, key, now, tls.secretRef.name, 'peers refuse TLS with it');
  if ('reason' in pair) return invalid(pair.reason, pair.message);
  const { certificate, validTo } = pair;
  const ca = tls.caSecretRef;
  if (ca) {
    const caSecret = secrets.get(`${namespace}/${ca.name}`);
    if (!caSecret) return invalid('SecretNotFound', `Secret ${ca.name} (spec.sipWorkers.tls.caSecretRef) does not exist, so the SIP worker pods cannot start.`);
    const bundle = caSecret.data[ca.key];
    if (bundle === undefined) return invalid('SecretKeyNotFound', `Secret ${ca.name} has no key ${ca.key} (spec.sipWorkers.tls.caSecretRef).`);
    if (!parsedCertificate(bundle)) return invalid('CertificateInvalid', `${ca.key} in Secret ${ca.name} is not a PEM certificate.`);
  }
  const names = certificate.subjectAltName ?? certificate.subject;
  return { condition: { type, status: 'True', reason: 'Valid', message: `The certificate (${names}) is valid until ${validTo.toISOString()}.` }, expiry: validTo };
}

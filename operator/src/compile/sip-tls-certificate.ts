// The Carrier's SipTlsCertificateValid condition: whether the Secret its SIP workers serve TLS
// with exists, holds a certificate and the key that goes with it, and is valid now, with the
// expiry in the message. Without it a missing Secret shows only as worker pods stuck in
// ContainerCreating, and an expired certificate as carriers' TLS handshakes failing.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { ConditionInput } from './conditions.ts';
import type { CarrierObject, ObservedSecret } from './observed.ts';

const type = 'SipTlsCertificateValid';
const field = 'spec.sipWorkers.tls.secretRef';
const invalid = (reason: string, message: string): ConditionInput => ({ type, status: 'False', reason, message });

function parsed(pem: string): X509Certificate | undefined {
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

/** Undefined when the Carrier serves no TLS: the condition is then absent. */
export function sipTlsCertificate(carrier: CarrierObject, secrets: ReadonlyMap<string, ObservedSecret>, now: Date): ConditionInput | undefined {
  const tls = carrier.spec.sipWorkers.tls;
  if (!tls) return undefined;
  const { namespace } = carrier.metadata;
  const secret = secrets.get(`${namespace}/${tls.secretRef.name}`);
  if (!secret) return invalid('SecretNotFound', `Secret ${tls.secretRef.name} (${field}) does not exist, so the SIP worker pods cannot start.`);
  const cert = secret.data['tls.crt'];
  const key = secret.data['tls.key'];
  if (cert === undefined || key === undefined) return invalid('SecretKeyNotFound', `Secret ${tls.secretRef.name} (${field}) needs tls.crt and tls.key, as a kubernetes.io/tls Secret has them.`);
  const certificate = parsed(cert);
  if (!certificate) return invalid('CertificateInvalid', `tls.crt in Secret ${tls.secretRef.name} is not a PEM certificate.`);
  if (!keyMatches(certificate, key)) return invalid('KeyMismatch', `tls.key in Secret ${tls.secretRef.name} is not the key of its certificate.`);
  const validTo = new Date(certificate.validTo);
  if (new Date(certificate.validFrom) > now) return invalid('CertificateNotYetValid', `The certificate in Secret ${tls.secretRef.name} is valid only from ${new Date(certificate.validFrom).toISOString()}.`);
  if (validTo <= now) return invalid('CertificateExpired', `The certificate in Secret ${tls.secretRef.name} expired at ${validTo.toISOString()}; peers refuse TLS with it.`);
  const ca = tls.caSecretRef;
  if (ca) {
    const caSecret = secrets.get(`${namespace}/${ca.name}`);
    if (!caSecret) return invalid('SecretNotFound', `Secret ${ca.name} (spec.sipWorkers.tls.caSecretRef) does not exist, so the SIP worker pods cannot start.`);
    const bundle = caSecret.data[ca.key];
    if (bundle === undefined) return invalid('SecretKeyNotFound', `Secret ${ca.name} has no key ${ca.key} (spec.sipWorkers.tls.caSecretRef).`);
    if (!parsed(bundle)) return invalid('CertificateInvalid', `${ca.key} in Secret ${ca.name} is not a PEM certificate.`);
  }
  const names = certificate.subjectAltName ?? certificate.subject;
  return { type, status: 'True', reason: 'Valid', message: `The certificate (${names}) is valid until ${validTo.toISOString()}.` };
}

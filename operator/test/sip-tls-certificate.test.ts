// The Carrier's SipTlsCertificateValid condition from the Secret its SIP workers serve TLS with,
// and the events its transitions make. Certificates are real (openssl), checked with node:crypto.
import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { sipTlsCertificate } from '../src/compile/sip-tls-certificate.ts';
import { transitions } from '../src/compile/status-diff.ts';
import { selfSignedCertificate } from '../../sip-workers/test/support/tls-certificate.ts';
import { carrier, secret } from './builders.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-sip-tls-condition-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const issued = selfSignedCertificate(dir, 'sip');
const other = selfSignedCertificate(dir, 'other');
const now = new Date();

const base = { displayName: 'Mekong', country: 'KH', sipDomainBase: 'mekong.example' };
const withTls = (tls: Record<string, unknown>) => carrier('mekong', { ...base, sipWorkers: { tls: { secretRef: { name: 'sip-cert' }, ...tls } } });
const tlsSecret = (data: Record<string, string>) => new Map([secret('sip-cert', data)]);
const condition = (tls: Record<string, unknown>, secrets: ReturnType<typeof tlsSecret>, at = now) => sipTlsCertificate(withTls(tls), secrets, at)?.condition;

describe('SipTlsCertificateValid', () => {
  test('absent when the Carrier serves no TLS', () => {
    assert.equal(sipTlsCertificate(carrier('mekong', base), tlsSecret({}), now), undefined);
  });

  test('a missing Secret, or one without tls.crt and tls.key, is named with its field', () => {
    assert.deepEqual(condition({}, new Map()), { type: 'SipTlsCertificateValid', status: 'False', reason: 'SecretNotFound', message: 'Secret sip-cert (spec.sipWorkers.tls.secretRef) does not exist, so the SIP worker pods cannot start.' });
    assert.equal(condition({}, tlsSecret({ 'tls.crt': issued.cert }))?.reason, 'SecretKeyNotFound');
  });

  test('a certificate that does not parse, or a key that is not its own, is refused', () => {
    assert.equal(condition({}, tlsSecret({ 'tls.crt': 'not a certificate', 'tls.key': issued.key }))?.reason, 'CertificateInvalid');
    assert.equal(condition({}, tlsSecret({ 'tls.crt': issued.cert, 'tls.key': other.key }))?.reason, 'KeyMismatch');
    const encrypted = createPrivateKey(issued.key).export({ type: 'sec1', format: 'pem', cipher: 'aes-128-cbc', passphrase: 'p' }).toString();
    assert.match(encrypted, /Proc-Type: 4,ENCRYPTED/, 'a traditional encrypted PEM');
    assert.equal(condition({}, tlsSecret({ 'tls.crt': issued.cert, 'tls.key': encrypted }))?.reason, 'KeyEncrypted');
  });

  test('True with the names and the expiry while valid; False once it has expired', () => {
    const valid = condition({}, tlsSecret({ 'tls.crt': issued.cert, 'tls.key': issued.key }));
    assert.equal(valid?.status, 'True');
    assert.equal(valid?.reason, 'Valid');
    assert.match(valid?.message ?? '', /IP Address:127\.0\.0\.1.*valid until \d{4}-\d\d-\d\dT/);
    const judged = sipTlsCertificate(withTls({}), tlsSecret({ 'tls.crt': issued.cert, 'tls.key': issued.key }), now);
    assert.equal(judged?.expiry?.getTime(), Date.parse(new X509Certificate(issued.cert).validTo), 'the expiry, for the metric');
    assert.equal(sipTlsCertificate(withTls({}), tlsSecret({ 'tls.crt': issued.cert, 'tls.key': other.key }), now)?.expiry, undefined);
    const later = new Date(now.getTime() + 3 * 86_400_000);
    const expired = condition({}, tlsSecret({ 'tls.crt': issued.cert, 'tls.key': issued.key }), later);
    assert.equal(expired?.status, 'False');
    assert.equal(expired?.reason, 'CertificateExpired');
  });

  test('a CA Secret that is named must exist and hold a certificate under its key', () => {
    const secrets = new Map([secret('sip-cert', { 'tls.crt': issued.cert, 'tls.key': issued.key }), secret('trunk-cas', { 'bundle.pem': other.cert })]);
    assert.equal(condition({ caSecretRef: { name: 'trunk-cas', key: 'bundle.pem' } }, secrets)?.status, 'True');
    assert.equal(condition({ caSecretRef: { name: 'trunk-cas', key: 'ca.crt' } }, secrets)?.reason, 'SecretKeyNotFound');
    assert.equal(condition({ caSecretRef: { name: 'absent-cas' } }, secrets)?.reason, 'SecretNotFound');
  });

  test('going False is a Warning event, and the repair a Normal one', () => {
    const ref = { apiVersion: 'telecom.switchyard.dev/v1alpha1', kind: 'Carrier', namespace: 'telco', name: 'mekong', uid: 'u1' };
    const at = (status: 'True' | 'False', reason: string) => [{ type: 'SipTlsCertificateValid', status, reason, message: reason, lastTransitionTime: now.toISOString(), observedGeneration: 1 }];
    assert.deepEqual(transitions(ref, at('True', 'Valid'), at('False', 'CertificateExpired')).map((e) => [e.type, e.reason]), [['Warning', 'CertificateExpired']]);
    assert.deepEqual(transitions(ref, at('False', 'CertificateExpired'), at('True', 'Valid')).map((e) => [e.type, e.reason]), [['Normal', 'Valid']]);
    assert.deepEqual(transitions(ref, at('True', 'Valid'), at('True', 'Valid')), []);
  });
});

// The Carrier's PushCredentialsValid condition from the Secrets and what the push service pods
// report, the checksum that rolls the pods when a key changes, and the events the transitions make.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { ProviderCredentials, PushCredentialsReport } from '../../api/reports/lease-annotations.ts';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { compile } from '../src/compile/compile.ts';
import type { PushServiceReport } from '../src/compile/observed.ts';
import { pushCredentials } from '../src/compile/push-credentials.ts';
import { transitions } from '../src/compile/status-diff.ts';
import { appleCertificateAuthority, applePushCertificate } from '../../sip-workers/test/support/push-gateways/apns-certificates.ts';
import { carrier, context, observed, secret } from './builders.ts';

type Arguments = Parameters<typeof pushCredentials>;
const now = new Date('2026-11-23T12:00:00Z');
const pushCredentialsCondition = (c: Arguments[0], secrets: Arguments[1], reports: Arguments[2]) => pushCredentials(c, secrets, reports, now)?.condition;
const pushCredentialsChecksum = (c: Arguments[0], secrets: Arguments[1]) => pushCredentials(c, secrets, [], now)?.checksum;

const push = {
  apns: { teamID: 'ABCDE12345', keyID: 'KEY1234567', topic: 'com.example.voice.voip', privateKeySecretRef: { name: 'apns-key', key: 'key.p8' } },
  fcm: { projectID: 'mekong-voice', serviceAccountSecretRef: { name: 'fcm-key' } },
};
const withPush = carrier('mekong', { displayName: 'Mekong', country: 'KH', sipDomainBase: 'mekong.example', push });
const secrets = new Map([secret('apns-key', { 'key.p8': 'PEM-1' }), secret('fcm-key', { 'service-account.json': '{"type":"service_account"}' })]);
const since = '2026-11-23T11:59:00.000Z';
const state = (value: ProviderCredentials['state'], reason?: string, message?: string): ProviderCredentials => ({ state: value, since, ...(reason ? { reason } : {}), ...(message ? { message } : {}) });
const report = (pod: string, credentials: PushCredentialsReport, live = true): PushServiceReport => ({ namespace: 'telco', carrier: 'mekong', pod, live, credentials });

describe('PushCredentialsValid', () => {
  test('absent when the Carrier has no push', () => {
    assert.equal(pushCredentialsCondition(carrier('mekong', { displayName: 'Mekong', country: 'KH', sipDomainBase: 'mekong.example' }), secrets, []), undefined);
  });

  test('a missing Secret or key is named with the field that references it', () => {
    const noSecret = pushCredentialsCondition(withPush, new Map([secret('fcm-key', { 'service-account.json': '{}' })]), []);
    assert.deepEqual(noSecret, { type: 'PushCredentialsValid', status: 'False', reason: 'SecretNotFound', message: 'Secret apns-key (spec.push.apns.privateKeySecretRef) does not exist, so the push service pods cannot start.' });
    const noKey = pushCredentialsCondition(withPush, new Map([secret('apns-key', { 'key.p8': 'PEM' }), secret('fcm-key', { 'firebase.json': '{}' })]), []);
    assert.equal(noKey?.reason, 'SecretKeyNotFound');
    assert.match(noKey?.message ?? '', /^Secret fcm-key has no key service-account\.json \(spec\.push\.fcm\.serviceAccountSecretRef\)/);
  });

  test('Unknown until a live pod reports, and until each gateway has been used', () => {
    assert.equal(pushCredentialsCondition(withPush, secrets, [])?.reason, 'NoPushService');
    assert.equal(pushCredentialsCondition(withPush, secrets, [report('p1', { apns: state('rejected', 'InvalidProviderToken') }, false)])?.reason, 'NoPushService', 'a pod whose Lease expired says nothing');
    const half = pushCredentialsCondition(withPush, secrets, [report('p1', { apns: state('unknown'), fcm: state('valid') })]);
    assert.equal(half?.status, 'Unknown');
    assert.equal(half?.reason, 'NotYetVerified');
    assert.match(half?.message ?? '', /^APNs has not been used yet/);
  });

  test('True once every configured gateway took the credentials, from any live pod', () => {
    const accepted = pushCredentialsCondition(withPush, secrets, [report('p1', { apns: state('valid'), fcm: state('unknown') }), report('p2', { apns: state('unknown'), fcm: state('valid') })]);
    assert.deepEqual(accepted, { type: 'PushCredentialsValid', status: 'True', reason: 'CredentialsAccepted', message: 'APNs and FCM accepted the credentials.' });
  });

  test('False when any live pod was refused, with the gateway\'s reason and the pods that saw it', () => {
    const reports = [
      report('p2', { apns: state('rejected', 'InvalidProviderToken', 'Apple: 403'), fcm: state('valid') }),
      report('p1', { apns: state('rejected', 'InvalidProviderToken', 'Apple: 403'), fcm: state('valid') }),
      report('p3', { apns: state('valid'), fcm: state('valid') }),
    ];
    const refused = pushCredentialsCondition(withPush, secrets, reports);
    assert.equal(refused?.status, 'False');
    assert.equal(refused?.reason, 'CredentialsRejected');
    assert.equal(refused?.message, 'APNs rejected the credentials: InvalidProviderToken (Apple: 403), reported by 2 pods, e.g. p1. Calls to phones that need a push end in 480 until the Secret holds a working key.');
    const unreadable = pushCredentialsCondition(withPush, secrets, [report('p1', { apns: state('valid'), fcm: state('unreadable', 'KeyUnreadable', 'FCM service account unusable: not JSON') })]);
    assert.equal(unreadable?.reason, 'KeyUnreadable');
    assert.match(unreadable?.message ?? '', /^FCM cannot use the key: KeyUnreadable \(FCM service account unusable: not JSON\), reported by pod p1\./);
  });

  test('the checksum follows the keys\' content, and only them', () => {
    const first = pushCredentialsChecksum(withPush, secrets);
    assert.match(first ?? '', /^[0-9a-f]{16}$/);
    assert.equal(pushCredentialsChecksum(withPush, new Map([...secrets, secret('unrelated', { x: 'y' })])), first);
    assert.notEqual(pushCredentialsChecksum(withPush, new Map([...secrets, secret('apns-key', { 'key.p8': 'PEM-2' })])), first);
    assert.equal(pushCredentialsChecksum(withPush, new Map([secret('apns-key', { 'key.p8': 'PEM-1' })])), undefined, 'a missing key: no checksum');
    assert.equal(pushCredentialsChecksum(carrier('mekong', { displayName: 'Mekong', country: 'KH', sipDomainBase: 'mekong.example' }), secrets), undefined);
  });

  test('the compile puts it on the Carrier and the checksum on the push pods', () => {
    const result = compile(observed({ carriers: [withPush], secrets, pushServices: [report('p1', { apns: state('rejected', 'BadCertificateEnvironment'), fcm: state('valid') })] }), context);
    const status = result.statuses.find((s) => s.kind === 'Carrier')?.status as { conditions: Array<{ type: string; reason: string }> };
    assert.deepEqual(status.conditions.map((c) => c.type), ['Accepted', 'Programmed', 'PushCredentialsValid', 'Ready']);
    assert.equal(status.conditions.find((c) => c.type === 'PushCredentialsValid')?.reason, 'CredentialsRejected');
    assert.equal(status.conditions.find((c) => c.type === 'Ready')?.reason, 'RoutingPublished', 'routing does not depend on push');
    const deployment = result.phases.flat().find((o) => o.kind === 'Deployment' && o.metadata.name === 'mekong-push') as { spec: { template: { metadata: { annotations?: Record<string, string> } } } } | undefined;
    assert.equal(deployment?.spec.template.metadata.annotations?.['telecom.switchyard.dev/push-credentials-checksum'], pushCredentialsChecksum(withPush, secrets));
  });

  test('events: a Warning when refused (again when the reason changes), a Normal when the gateways first take the credentials', () => {
    const ref = { kind: 'Carrier', namespace: 'telco', name: 'mekong', uid: 'uid-telco-mekong' };
    const condition = (status: string, reason: string) => [{ type: 'PushCredentialsValid', status: status as 'True', reason, message: reason, lastTransitionTime: since }];
    assert.deepEqual(transitions(ref, undefined, condition('Unknown', 'NoPushService')), []);
    assert.deepEqual(transitions(ref, condition('Unknown', 'NoPushService'), condition('False', 'CredentialsRejected')).map((e) => `${e.type} ${e.reason}`), ['Warning CredentialsRejected']);
    assert.deepEqual(transitions(ref, condition('False', 'CredentialsRejected'), condition('False', 'CredentialsRejected')), []);
    assert.deepEqual(transitions(ref, condition('False', 'CredentialsRejected'), condition('False', 'SecretNotFound')).map((e) => e.reason), ['SecretNotFound']);
    assert.deepEqual(transitions(ref, condition('Unknown', 'NotYetVerified'), condition('True', 'CredentialsAccepted')).map((e) => `${e.type} ${e.reason}`), ['Normal CredentialsAccepted']);
    assert.deepEqual(transitions(ref, condition('True', 'CredentialsAccepted'), condition('True', 'CredentialsAccepted')), []);
  });

  describe('with an APNs certificate (certificateSecretRef)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-apns-condition-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const apple = appleCertificateAuthority(dir);
    const issued = applePushCertificate(dir, apple, { name: 'voice', bundleID: 'com.example.voice', teamID: 'ABCDE12345' });
    const certificatePush = { apns: { teamID: 'ABCDE12345', topic: 'com.example.voice.voip', certificateSecretRef: { name: 'apns-cert' } } };
    const withCertificate = carrier('mekong', { displayName: 'Mekong', country: 'KH', sipDomainBase: 'mekong.example', push: certificatePush });
    const certificateSecret = (cert: string, key: string) => new Map([secret('apns-cert', { 'tls.crt': cert, 'tls.key': key })]);
    const judged = (secrets: Arguments[1], at = now, c = withCertificate) => pushCredentials(c, secrets, [report('p1', { apns: state('valid') })], at);
    // A minute on, so certificates made within the test (valid from the second they were made) are valid.
    const soon = () => new Date(Date.now() + 60_000);

    test('a certificate for the team and app passes to the gateways\' verdict, with its expiry', () => {
      const result = judged(certificateSecret(issued.cert, issued.key), soon());
      assert.equal(result?.condition.status, 'True');
      assert.equal(result?.condition.reason, 'CredentialsAccepted');
      assert.match(result?.condition.message ?? '', /^APNs accepted the credentials\. The APNs certificate is valid until \d{4}-\d\d-\d\dT[\d:.]+Z\.$/);
      assert.equal(result?.apnsCertificateExpiry?.getTime(), new Date(new X509Certificate(issued.cert).validTo).getTime());
      assert.match(result?.checksum ?? '', /^[0-9a-f]{16}$/);
      const bundleTopic = carrier('mekong', { displayName: 'Mekong', country: 'KH', sipDomainBase: 'mekong.example', push: { apns: { ...certificatePush.apns, topic: 'com.example.voice' } } });
      assert.equal(judged(certificateSecret(issued.cert, issued.key), soon(), bundleTopic)?.condition.status, 'True', 'the bundle ID itself is one of its topics');
    });

    test('each refusal says what is wrong before any pod tries it, and keeps the checksum so a fix rolls the pods', () => {
      const otherTeam = applePushCertificate(dir, apple, { name: 'team', bundleID: 'com.example.voice', teamID: 'ZZZZZ99999' });
      const otherApp = applePushCertificate(dir, apple, { name: 'app', bundleID: 'com.example.other', teamID: 'ABCDE12345' });
      const cases: Array<[string, Arguments[1], Date, string, RegExp]> = [
        ['garbage', certificateSecret('not a certificate', issued.key), soon(), 'CertificateInvalid', /^tls\.crt in Secret apns-cert is not a PEM certificate\./],
        ['another key', certificateSecret(issued.cert, otherTeam.key), soon(), 'KeyMismatch', /^tls\.key in Secret apns-cert is not the key of its certificate\./],
        ['an encrypted key', certificateSecret(issued.cert, createPrivateKey(issued.key).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'keychain' }).toString()), soon(), 'KeyEncrypted', /^tls\.key in Secret apns-cert is encrypted with a passphrase, which no pod can give: store it decrypted/],
        ['a key that is no PEM key', certificateSecret(issued.cert, 'PushChatKey'), soon(), 'KeyInvalid', /^tls\.key in Secret apns-cert is not a PEM private key\./],
        ['expired', certificateSecret(issued.cert, issued.key), new Date(Date.now() + 3 * 86_400_000), 'CertificateExpired', /^tls\.crt in Secret apns-cert expired at .*; APNs refuses the TLS connection with it\./],
        ['another team', certificateSecret(otherTeam.cert, otherTeam.key), soon(), 'CertificateTeamMismatch', /belongs to team ZZZZZ99999 \(its subject's OU\), not spec\.push\.apns\.teamID ABCDE12345\./],
        ['another app', certificateSecret(otherApp.cert, otherApp.key), soon(), 'CertificateTopicMismatch', /is for the app com\.example\.other \(its subject's UID\), so APNs refuses pushes to spec\.push\.apns\.topic com\.example\.voice\.voip\./],
      ];
      for (const [name, secrets, at, reason, message] of cases) {
        const result = judged(secrets, at);
        assert.equal(result?.condition.status, 'False', name);
        assert.equal(result?.condition.reason, reason, name);
        assert.match(result?.condition.message ?? '', message, name);
        assert.match(result?.condition.message ?? '', /Calls to iOS phones that need a push end in 480/, name);
        assert.match(result?.checksum ?? '', /^[0-9a-f]{16}$/, name);
        assert.equal(result?.apnsCertificateExpiry, undefined, name);
      }
    });

    test('the Secret must hold tls.crt and tls.key', () => {
      assert.equal(judged(new Map())?.condition.reason, 'SecretNotFound');
      const noKey = judged(new Map([secret('apns-cert', { 'tls.crt': issued.cert })]));
      assert.equal(noKey?.condition.reason, 'SecretKeyNotFound');
      assert.match(noKey?.condition.message ?? '', /^Secret apns-cert has no key tls\.key \(spec\.push\.apns\.certificateSecretRef\)/);
    });

    test('an FCM key stored under the name tls.crt is not taken for the APNs certificate', () => {
      const both = carrier('mekong', { displayName: 'Mekong', country: 'KH', sipDomainBase: 'mekong.example', push: { ...certificatePush, fcm: { projectID: 'mekong-voice', serviceAccountSecretRef: { name: 'fcm-key', key: 'tls.crt' } } } });
      const secrets = new Map([...certificateSecret(issued.cert, issued.key), secret('fcm-key', { 'tls.crt': '{"type":"service_account"}' })]);
      const result = pushCredentials(both, secrets, [report('p1', { apns: state('valid'), fcm: state('valid') })], soon());
      assert.equal(result?.condition.reason, 'CredentialsAccepted', result?.condition.message);
    });

    test('both keys feed the checksum; APNs is named once beside FCM', () => {
      const both = carrier('mekong', { displayName: 'Mekong', country: 'KH', sipDomainBase: 'mekong.example', push: { ...certificatePush, fcm: push.fcm } });
      const withFcm = new Map([...certificateSecret(issued.cert, issued.key), secret('fcm-key', { 'service-account.json': '{}' })]);
      const first = pushCredentials(both, withFcm, [], soon());
      const rekeyed = pushCredentials(both, new Map([...withFcm, secret('apns-cert', { 'tls.crt': issued.cert, 'tls.key': `${issued.key}\n` })]), [], soon());
      assert.notEqual(rekeyed?.checksum, first?.checksum);
      const accepted = pushCredentials(both, withFcm, [report('p1', { apns: state('valid'), fcm: state('valid') })], soon());
      assert.match(accepted?.condition.message ?? '', /^APNs and FCM accepted the credentials\./);
    });
  });
});

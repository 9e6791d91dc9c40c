// The Carrier's PushCredentialsValid condition from the Secrets and what the push service pods
// report, the checksum that rolls the pods when a key changes, and the events the transitions make.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ProviderCredentials, PushCredentialsReport } from '../../api/reports/lease-annotations.ts';
import { compile } from '../src/compile/compile.ts';
import type { PushServiceReport } from '../src/compile/observed.ts';
import { pushCredentials } from '../src/compile/push-credentials.ts';
import { transitions } from '../src/compile/status-diff.ts';
import { carrier, context, observed, secret } from './builders.ts';

const pushCredentialsCondition = (...args: Parameters<typeof pushCredentials>) => pushCredentials(...args)?.condition;
const pushCredentialsChecksum = (c: Parameters<typeof pushCredentials>[0], secrets: Parameters<typeof pushCredentials>[1]) => pushCredentials(c, secrets, [])?.checksum;

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
});

// The push service against a fake FCM and Google OAuth endpoint that check requests as Google
// does: one data message per call and device, the access token's lifetime, and what each FCM
// answer becomes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { firebaseMessagingScope } from '../../src/push/fcm/access-token.ts';
import { carrier, projectID, pushFixture } from './push-harness.ts';

const registration = (seed: string) => `f${seed}Xq0:APA91bH${'x'.repeat(140)}`;

test('a call wakes the phone with one high-priority FCM data message, sent with an access token from a verified assertion', async () => {
  const { push, fcm, clock } = await pushFixture();
  const request = { callId: 'CA1001', provider: 'fcm' as const, prid: registration('a'), param: projectID, displayName: 'Sokha' };
  const replies = await Promise.all([push(request), push(request), push(request)]);
  replies.push(await push(request));

  assert.deepEqual(replies.map((reply) => [reply.outcome.kind, reply.duplicate]), [['sent', false], ['sent', true], ['sent', true], ['sent', true]]);
  assert.equal(fcm.sendRequests.length, 1, 'FCM saw one message');
  assert.equal(fcm.tokenRequests.length, 1);
  const [grant] = fcm.tokenRequests;
  const iat = clock.ms / 1000;
  assert.deepEqual(grant, { status: 200, error: undefined, claims: { iss: `switchyard-push@${projectID}.iam.gserviceaccount.com`, scope: firebaseMessagingScope, aud: fcm.tokenURI, iat, exp: iat + 3600 } });
  assert.deepEqual(fcm.sendRequests[0]?.body, {
    message: {
      token: registration('a'),
      data: { type: 'incoming-call', callId: 'CA1001', carrier, from: '+85512345678', displayName: 'Sokha' },
      android: { priority: 'HIGH', ttl: '30s' },
    },
  });
  const first = replies[0]?.outcome;
  assert.match(first?.kind === 'sent' ? first.id : '', new RegExp(`^projects/${projectID}/messages/`));
});

test('the access token is reused until five minutes before it expires, then exchanged again', async () => {
  const { push, fcm, clock, metric } = await pushFixture();
  const startedAt = clock.ms;
  const at = async (minutes: number, callId: string) => {
    clock.ms = startedAt + minutes * 60_000;
    return (await push({ callId, provider: 'fcm', prid: registration('b') })).outcome.kind;
  };
  assert.deepEqual([await at(0, 'CA1'), await at(30, 'CA2'), await at(54, 'CA3'), await at(55, 'CA4')], ['sent', 'sent', 'sent', 'sent']);

  const tokens = fcm.sendRequests.map((request) => request.accessToken);
  assert.equal(new Set(tokens.slice(0, 3)).size, 1, 'one token while more than five minutes remain');
  assert.notEqual(tokens[3], tokens[0]);
  assert.equal(fcm.tokenRequests.length, 2);
  assert.equal(await metric('switchyard_push_auth_tokens_total', { provider: 'fcm' }), 2);
});

test('a service account Google does not know is reported as bad credentials, at start and per push, without calling FCM', async () => {
  const { service, push, fcm, logs } = await pushFixture({ foreignServiceAccount: true });
  await service.checkCredentials();
  assert.equal(service.health.get('fcm')?.state, 'rejected');
  assert.equal(service.health.get('fcm')?.reason, 'invalid_grant');
  assert.match(service.health.get('fcm')?.message ?? '', /Invalid JWT Signature/);

  const reply = await push({ callId: 'CA1100', provider: 'fcm', prid: registration('c') });
  assert.equal(reply.outcome.kind, 'bad-credentials');
  assert.equal(reply.attempts, 1);
  assert.equal(fcm.sendRequests.length, 0);
  assert.equal(logs.filter((line) => line.event === 'push-credentials-rejected').length, 1);
});

test('an access token FCM stops accepting (401) is exchanged once more and the push goes through', async () => {
  const { push, fcm } = await pushFixture();
  assert.equal((await push({ callId: 'CA1200', provider: 'fcm', prid: registration('d') })).outcome.kind, 'sent');
  fcm.revokeAccessTokens();
  const reply = await push({ callId: 'CA1201', provider: 'fcm', prid: registration('d') });
  assert.equal(reply.outcome.kind, 'sent');
  assert.deepEqual(fcm.sendRequests.map((request) => request.status), [200, 401, 200]);
  assert.equal(fcm.tokenRequests.length, 2);
});

test('UNREGISTERED (404) tells the worker to drop the registration token', async () => {
  const { push, fcm, metric } = await pushFixture();
  fcm.unregister(registration('e'));
  const reply = await push({ callId: 'CA1300', provider: 'fcm', prid: registration('e') });
  assert.deepEqual(reply.outcome, { kind: 'unregistered', reason: 'UNREGISTERED' });
  assert.equal(reply.attempts, 1);
  assert.equal(await metric('switchyard_push_failed_total', { provider: 'fcm', outcome: 'unregistered', reason: 'UNREGISTERED' }), 1);
});

test('503 UNAVAILABLE is retried a bounded number of times, and not at all when Retry-After is past the call\'s wait', async () => {
  const { push, fcm } = await pushFixture({ maxAttempts: 3 });
  fcm.failNext(3, 503, 'UNAVAILABLE');
  const given = await push({ callId: 'CA1400', provider: 'fcm', prid: registration('f') });
  assert.deepEqual(given.outcome, { kind: 'unavailable', reason: 'UNAVAILABLE' });
  assert.equal(given.attempts, 3);
  assert.equal(fcm.sendRequests.length, 3);

  fcm.failNext(1, 429, 'QUOTA_EXCEEDED', 60);
  const throttled = await push({ callId: 'CA1401', provider: 'fcm', prid: registration('f') });
  assert.deepEqual(throttled.outcome, { kind: 'unavailable', reason: 'QUOTA_EXCEEDED' });
  assert.equal(throttled.attempts, 1, 'a minute\'s wait would outlast the 30 s the caller waits');
});

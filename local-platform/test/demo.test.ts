// The demo's choices from examples/ as users apply them: which webhooks move to the demo webhook,
// and which number the printed SIPp command dials, in the form the example trunk expects.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { exampleCall, sippCallerCommand, type NumberObject, type TrunkObject } from '../demo/example-call.ts';
import { webhookPatches } from '../demo/webhook-patches.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: Record<string, unknown>;
}

const examples = ['02-accounts.yaml', '03-inbound-trunk.yaml', '05-phone-numbers.yaml', '06-sip-domain.yaml']
  .flatMap((file) => parseAllDocuments(readFileSync(`${repoRoot}examples/${file}`, 'utf8')).map((document) => document.toJS() as Manifest));
const ofKind = <T>(kind: string) => examples.filter((item) => item.kind === kind) as unknown as T[];

test('every webhook URL the examples set moves to the demo webhook, and only those fields are applied', () => {
  const { manifests, overrides } = webhookPatches(examples.filter((item) => ['Account', 'PhoneNumber', 'SipDomain'].includes(item.kind)), 'http://127.0.0.1:9000');
  const number = manifests.find((item) => item.metadata.name === 'pn-85512345678');
  assert.deepEqual(number?.spec, {
    voiceURL: 'http://127.0.0.1:9000/voice/phonenumber/pn-85512345678',
    voiceFallbackURL: 'http://127.0.0.1:9000/fallback/phonenumber/pn-85512345678',
  });
  assert.deepEqual(manifests.find((item) => item.metadata.name === 'phnom-penh-clinic')?.spec, {
    voiceURL: 'http://127.0.0.1:9000/voice/account/phnom-penh-clinic',
    statusCallbackURL: 'http://127.0.0.1:9000/status/account/phnom-penh-clinic',
  });
  assert.equal(manifests.some((item) => item.metadata.name === 'pn-1294'), false, 'a number without its own URL keeps using its account\'s');
  assert.ok(overrides.includes('PhoneNumber default/pn-85512345678 spec.voiceURL: https://api.kampot-pepper.example/twilio/sales → http://127.0.0.1:9000/voice/phonenumber/pn-85512345678'));
  assert.deepEqual(webhookPatches(manifests.map((item) => ({ ...item, spec: item.spec })), 'http://127.0.0.1:9000').manifests, [], 'applying twice changes nothing');
});

test('an Account without a voiceURL gets the demo one, so its numbers reach the demo too', () => {
  const account = { apiVersion: 'telecom.switchyard.dev/v1alpha1', kind: 'Account', metadata: { name: 'quiet' }, spec: { carrierRef: { name: 'c' } } };
  assert.deepEqual(webhookPatches([account], 'http://h').manifests[0]?.spec, { voiceURL: 'http://h/voice/account/quiet' });
});

test('the example call dials +85512345678 in national form, as the example trunk sends it', () => {
  const carrier = { name: 'mekong-telecom', namespace: 'default', country: 'KH' };
  const call = exampleCall(carrier, ofKind<NumberObject>('PhoneNumber'), ofKind<TrunkObject>('InboundTrunk'));
  assert.deepEqual(call, { dialled: '012345678', number: '+85512345678', trunk: 'mekong-sbc' });
  assert.equal(sippCallerCommand({ ip: '127.1.2.3', port: 5060 }, '012345678'), 'sipp -sn uac -s 012345678 127.1.2.3:5060 -i 127.0.0.1 -m 1 -nostdin -recv_timeout 10000 -timeout 30 -timeout_error');
});

test('without a trunk admitting 127.0.0.1 the call is still offered, with the reason it will be refused', () => {
  const trunks = ofKind<TrunkObject>('InboundTrunk').map((trunk) => ({ ...trunk, spec: { ...trunk.spec, sourceIPs: ['203.0.113.10', '2001:db8:10::/48'] } }));
  const call = exampleCall({ name: 'mekong-telecom', namespace: 'default', country: 'KH' }, ofKind<NumberObject>('PhoneNumber'), trunks);
  assert.equal(call?.dialled, '+85512345678');
  assert.match(call?.note ?? '', /no InboundTrunk of Carrier mekong-telecom admits 127\.0\.0\.1/);
  const cidr = trunks.map((trunk) => ({ ...trunk, spec: { ...trunk.spec, sourceIPs: ['127.0.0.0/8'] } }));
  assert.equal(exampleCall({ name: 'mekong-telecom', namespace: 'default', country: 'KH' }, ofKind<NumberObject>('PhoneNumber'), cidr)?.trunk, 'mekong-sbc');
});

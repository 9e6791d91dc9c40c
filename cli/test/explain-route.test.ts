// explain-route as a table: calls in, the worker router's decision and the lines that explain it
// out, over examples/ plus a disabled account and a second carrier whose trunk overlaps.
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runBin, runInProcess } from './run-cli.ts';

const examples = join(new URL('../..', import.meta.url).pathname, 'examples');
const dir = await mkdtemp(join(tmpdir(), 'switchyard-explain-'));
after(() => rm(dir, { recursive: true, force: true }));
await cp(examples, dir, { recursive: true });
// Later in DIR than examples/, so "created" after them: angkor's trunk is the one in Conflict.
await writeFile(join(dir, '07-more.yaml'), `
apiVersion: telecom.switchyard.dev/v1alpha1
kind: Account
metadata: {name: closed-shop}
spec: {carrierRef: {name: mekong-telecom}, voiceURL: "https://closed.example/voice", enabled: false}
---
apiVersion: telecom.switchyard.dev/v1alpha1
kind: PhoneNumber
metadata: {name: pn-85523900300}
spec: {carrierRef: {name: mekong-telecom}, number: "+85523900300", accountRef: {name: closed-shop}}
---
apiVersion: telecom.switchyard.dev/v1alpha1
kind: PhoneNumber
metadata: {name: pn-85523900400}
spec: {carrierRef: {name: mekong-telecom}, number: "+85523900400", accountRef: {name: not-yet-created}}
---
apiVersion: telecom.switchyard.dev/v1alpha1
kind: Carrier
metadata: {name: angkor}
spec: {displayName: Angkor Voice, country: KH}
---
apiVersion: telecom.switchyard.dev/v1alpha1
kind: InboundTrunk
metadata: {name: angkor-sbc}
spec: {carrierRef: {name: angkor}, sourceIPs: ["203.0.113.0/24"]}
`);

const explain = (carrier: string, from: string, to: string, ...extra: string[]) => runInProcess(['explain-route', '--dir', dir, '--carrier', carrier, '--from', from, '--to', to, ...extra]);

const cases: Array<{ name: string; carrier: string; from: string; to: string; extra?: string[]; code: number; lines: RegExp[] }> = [
  {
    name: 'matched: trunk, normalised number, account and the number\'s own webhook',
    carrier: 'mekong-telecom', from: '203.0.113.70', to: '9999012345678', code: 0,
    lines: [
      /^source: +203\.0\.113\.70 is in 203\.0\.113\.64\/28 of InboundTrunk mekong-sbc$/m,
      /^number: +"9999012345678" → \+85512345678 \(normalisation of mekong-sbc: strip "9999", national numbers to E\.164 with \+855\)$/m,
      /^number: +PhoneNumber \+85512345678: mobile, enabled, assigned to account kampot-pepper$/m,
      /^account: +kampot-pepper \(AC[0-9a-f]{32}, enabled\)$/m,
      /^webhook: +POST https:\/\/api\.kampot-pepper\.example\/twilio\/sales \(the number's own voice URL\)$/m,
      /^fallback: POST https:\/\/backup\.kampot-pepper\.example\/twilio\/sales$/m,
      /^result: +admitted: account kampot-pepper \(AC[0-9a-f]{32}\) fetches TwiML from POST https:\/\/api\.kampot-pepper\.example\/twilio\/sales, To=\+85512345678$/m,
    ],
  },
  {
    name: 'matched, and the later trunk overlapping the source is named as in Conflict',
    carrier: 'mekong-telecom', from: '203.0.113.10', to: '1294', code: 0,
    lines: [
      /^result: +admitted: account phnom-penh-clinic .* To=1294$/m,
      /^note: +InboundTrunk default\/angkor-sbc of Carrier angkor lists 203\.0\.113\.0\/24, but is out of routing, in Conflict \(OverlappingSourceIPs\): source 203\.0\.113\.0\/24 overlaps 203\.0\.113\.10\/32 of InboundTrunk default\/mekong-sbc \(Carrier mekong-telecom\), which is older/m,
    ],
  },
  {
    name: 'unknown source IP',
    carrier: 'mekong-telecom', from: '198.18.0.1', to: '012345678', code: 1,
    lines: [/^source: +198\.18\.0\.1 is in no InboundTrunk of carrier mekong-telecom$/m, /^result: +rejected with 403 Forbidden - Unknown Source$/m, /^why: +198\.18\.0\.1 matches no InboundTrunk of carrier mekong-telecom$/m],
  },
  {
    name: 'unknown number',
    carrier: 'mekong-telecom', from: '203.0.113.10', to: '+85599999999', code: 1,
    lines: [/^number: +"\+85599999999" → \+85599999999 \(E\.164 already, taken as it is\)$/m, /^result: +rejected with 404 Not Found$/m, /^why: +\+85599999999 is not a PhoneNumber of carrier mekong-telecom$/m, /^note: +no PhoneNumber in namespace default has number \+85599999999\.$/m],
  },
  {
    name: 'a number out of routing says why (its account does not exist)',
    carrier: 'mekong-telecom', from: '203.0.113.10', to: '023900400', code: 1,
    lines: [/^result: +rejected with 404 Not Found$/m, /^note: +PhoneNumber default\/pn-85523900400 has \+85523900400, but is out of routing, Ready=False \(AccountNotFound\): Account default\/not-yet-created does not exist\.$/m],
  },
  {
    name: 'disabled account',
    carrier: 'mekong-telecom', from: '203.0.113.10', to: '023900300', code: 1,
    lines: [/^account: +closed-shop \(AC[0-9a-f]{32}, disabled\)$/m, /^result: +rejected with 403 Forbidden - Account Disabled$/m, /^why: +account closed-shop is disabled$/m],
  },
  {
    name: 'CIDR overlap conflict: the later trunk is out of routing, and the address belongs to the older one\'s carrier',
    carrier: 'angkor', from: '203.0.113.10', to: '012345678', code: 1,
    lines: [
      /^result: +rejected with 403 Forbidden - Unknown Source$/m,
      /^note: +InboundTrunk default\/angkor-sbc lists 203\.0\.113\.0\/24, but is out of routing, in Conflict \(OverlappingSourceIPs\): source 203\.0\.113\.0\/24 overlaps 203\.0\.113\.10\/32 of InboundTrunk default\/mekong-sbc \(Carrier mekong-telecom\), which is older/m,
      /^note: +InboundTrunk default\/mekong-sbc of Carrier mekong-telecom lists 203\.0\.113\.10\/32: calls from 203\.0\.113\.10 belong to Carrier mekong-telecom, not angkor\.$/m,
    ],
  },
  {
    name: 'SIP domain call from outside the ACL: challenged, then admitted once authenticated',
    carrier: 'mekong-telecom', from: '192.0.2.55', to: 'desk', extra: ['--domain', 'Kampot.SIP-AP.switchyard.mekong-telecom.example'], code: 0,
    lines: [/^domain: +SipDomain kampot .* 192\.0\.2\.55 is not in its ACL$/m, /^result: +challenged with 401 for digest credentials \(realm kampot\.sip-ap\.switchyard\.mekong-telecom\.example\)$/m, /^then: +once authenticated: admitted: account kampot-pepper .* To=sip:desk@kampot\.sip-ap\.switchyard\.mekong-telecom\.example$/m],
  },
];

describe('explain-route', () => {
  for (const { name, carrier, from, to, extra = [], code, lines } of cases) {
    test(name, async () => {
      const result = await explain(carrier, from, to, ...extra);
      assert.equal(result.code, code, result.stdout + result.stderr);
      for (const expected of lines) assert.match(result.stdout, expected);
    });
  }

  test('never prints an auth token', async () => {
    const result = await explain('mekong-telecom', '203.0.113.70', '012345678');
    assert.doesNotMatch(result.stdout, /token/i);
    assert.doesNotMatch(result.stdout, /\b[0-9a-f]{32}\b/, 'no 32-hex-digit secret (SIDs carry "AC")');
  });

  test('the bin gives the same answer, exit code included', async () => {
    const result = await runBin(['explain-route', '--dir', dir, '--carrier', 'mekong-telecom', '--from', '198.18.0.1', '--to', '012345678']);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^result: +rejected with 403 Forbidden - Unknown Source$/m);
  });

  test('usage errors and an unknown carrier exit 2 with the reason', async () => {
    for (const [args, message] of [
      [['--carrier', 'mekong-telecom', '--from', 'not-an-ip', '--to', '1'], /--from "not-an-ip" is not an IPv4 or IPv6 address/],
      [['--carrier', 'mekong-telecom', '--to', '1'], /--from is required/],
      [['--carrier', 'nobody', '--from', '192.0.2.1', '--to', '1'], /has no Carrier nobody .*\(Carriers: default\/mekong-telecom, default\/angkor\)/],
    ] as const) {
      const result = await runInProcess(['explain-route', '--dir', dir, ...args]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
    }
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planOutboundAttempts } from '../../../src/router/outbound/outbound-plan.ts';
import { formatUri } from '../../../src/sip/uri.ts';
import { outboundTrunk } from './outbound-trunk-builder.ts';

test('the plan orders the candidates (a TLS trunk too) and builds each Request-URI', () => {
  const candidates = [
    outboundTrunk('tls-first', { priority: 1, transport: 'tls' }),
    outboundTrunk('national', { priority: 10, host: '198.51.100.7', dialString: { plusPrefix: false, prefix: '', nationalDialing: true, nationalPrefix: '0' } }),
    outboundTrunk('backup', { priority: 20, transport: 'tcp', dialString: { plusPrefix: true, prefix: '', nationalDialing: false, nationalPrefix: '0' } }),
  ];
  const plan = planOutboundAttempts('+85512345678', candidates, { callingCode: '855' }, () => 0);
  assert.deepEqual(plan.attempts.map((a) => [a.trunk.name, formatUri(a.requestUri)]), [
    ['tls-first', 'sip:85512345678@tls-first.trunks.example:5060;transport=tls'],
    ['national', 'sip:012345678@198.51.100.7:5060'],
    ['backup', 'sip:+85512345678@backup.trunks.example:5060;transport=tcp'],
  ]);
  assert.deepEqual(plan.skipped, []);
});

test('trunks their health checks found down go after every trunk that is up, in their own order; all down, all still tried', () => {
  const candidates = [
    outboundTrunk('primary', { priority: 1 }),
    outboundTrunk('secondary', { priority: 2 }),
    outboundTrunk('tertiary', { priority: 3 }),
  ];
  const names = (plan: ReturnType<typeof planOutboundAttempts>) => plan.attempts.map((attempt) => attempt.trunk.name);
  const primaryDown = planOutboundAttempts('+85512345678', candidates, { callingCode: '855' }, () => 0, (trunk) => trunk.name === 'primary');
  assert.deepEqual(names(primaryDown), ['secondary', 'tertiary', 'primary']);
  assert.deepEqual(primaryDown.down.map((trunk) => trunk.name), ['primary']);
  const allDown = planOutboundAttempts('+85512345678', candidates, { callingCode: '855' }, () => 0, () => true);
  assert.deepEqual(names(allDown), ['primary', 'secondary', 'tertiary']);
  assert.deepEqual(names(planOutboundAttempts('+85512345678', candidates, { callingCode: '855' }, () => 0)), ['primary', 'secondary', 'tertiary']);
});

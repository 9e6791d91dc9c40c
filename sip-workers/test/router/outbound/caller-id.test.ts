// Which caller ID a call may present to the PSTN (caller-id.ts), over the trunk-call fixture's
// routing: the clinic account owns +85523900100 and, disabled, +85523900103; +85523900101 is the
// closed account's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAccountsNumber, mayPresentCallerId } from '../../../src/router/outbound/caller-id.ts';
import { numbers, trunkCallRouting } from '../../calls/trunk-call-fixture.ts';
import { viewOf } from '../../support/routing-view-of.ts';

const view = await viewOf(trunkCallRouting('http://127.0.0.1:9', { primary: 9, secondary: 9, digest: 9 }));
const call = { from: '+85512000111', to: numbers.clinic, account: 'clinic' };

test('a number of the account\'s own, enabled, in whatever form the carrier dials it', () => {
  assert.equal(isAccountsNumber(numbers.clinic, 'clinic', view), true);
  assert.equal(isAccountsNumber('023900100', 'clinic', view), true, 'national form, normalised as the carrier dials');
  assert.equal(isAccountsNumber(numbers.disabled, 'clinic', view), false, 'disabled');
  assert.equal(isAccountsNumber(numbers.closed, 'clinic', view), false, 'another account\'s');
  assert.equal(isAccountsNumber('+85599999999', 'clinic', view), false, 'nobody\'s');
});

test('a <Dial callerId> may be the calling number, the called number or one of the account\'s, and nothing else', () => {
  assert.equal(mayPresentCallerId('+85512000111', call, view), true, 'the calling number');
  assert.equal(mayPresentCallerId('012000111', call, view), true, 'the calling number, nationally');
  assert.equal(mayPresentCallerId(numbers.clinic, { ...call, to: '+85597000111' }, view), true, 'the account\'s own');
  assert.equal(mayPresentCallerId('+85597000111', { ...call, to: '+85597000111' }, view), true, 'the called number');
  assert.equal(mayPresentCallerId(numbers.closed, call, view), false, 'another account\'s number');
  assert.equal(mayPresentCallerId('+12025550143', call, view), false, 'any other number');
  assert.equal(mayPresentCallerId('Reception', call, view), false, 'not a number at all');
});

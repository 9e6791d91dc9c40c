// explain-route reading a carrier's routing from the cluster, as a SIP worker does, after the
// operator compiled examples/ and a second carrier whose trunk overlaps (and so is in Conflict).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { testCluster } from '../../testing/cluster.ts';
import { installCrds } from '../../testing/crds.ts';
import { eventually, startOperator } from '../../testing/operator-process.ts';
import { runBin, runInProcess } from './run-cli.ts';

const examples = join(new URL('../..', import.meta.url).pathname, 'examples');
const cluster = await testCluster();
await installCrds(cluster);
startOperator(cluster.kubeconfig);
const ns = await cluster.namespace('explain');
await cluster.kubectlOk(['apply', '-n', ns, '-f', examples]);

const explain = (carrier: string, from: string, to: string) => runInProcess(['explain-route', '--kubeconfig', cluster.kubeconfig, '-n', ns, '--carrier', carrier, '--from', from, '--to', to]);

describe('explain-route --kubeconfig', () => {
  test('follows a call through the routing ConfigMaps the operator wrote', async () => {
    const result = await eventually('the call routed', async () => {
      const attempt = await runBin(['explain-route', '--kubeconfig', cluster.kubeconfig, '-n', ns, '--carrier', 'mekong-telecom', '--from', '203.0.113.70', '--to', '012345678']);
      return attempt.code === 0 ? attempt : undefined;
    }, 90_000, 500);
    const sid = (JSON.parse(await cluster.kubectlOk(['get', 'account', 'kampot-pepper', '-n', ns, '-o', 'json'])) as { status: { accountSID: string } }).status.accountSID;
    assert.match(result.stdout, /^source: +203\.0\.113\.70 is in 203\.0\.113\.64\/28 of InboundTrunk mekong-sbc$/m);
    assert.match(result.stdout, new RegExp(`^account: +kampot-pepper \\(${sid}, enabled\\)$`, 'm'));
    assert.match(result.stdout, /^result: +admitted: account kampot-pepper .* fetches TwiML from POST https:\/\/api\.kampot-pepper\.example\/twilio\/sales, To=\+85512345678$/m);
  });

  test('names the later, overlapping trunk of another carrier as in Conflict, from its condition', async () => {
    // "Later" is by creationTimestamp, which has whole seconds; within the same second the older
    // is the first by name (angkor-sbc), so the new trunk must be created in a later second.
    const created = (JSON.parse(await cluster.kubectlOk(['get', 'inboundtrunk', 'mekong-sbc', '-n', ns, '-o', 'json'])) as { metadata: { creationTimestamp: string } }).metadata.creationTimestamp;
    const wait = Date.parse(created) + 1000 - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait + 50));
    await cluster.kubectlOk(['apply', '-n', ns, '-f', '-'], {
      input: 'apiVersion: telecom.switchyard.dev/v1alpha1\nkind: Carrier\nmetadata: {name: angkor}\nspec: {displayName: Angkor, country: KH}\n---\napiVersion: telecom.switchyard.dev/v1alpha1\nkind: InboundTrunk\nmetadata: {name: angkor-sbc}\nspec: {carrierRef: {name: angkor}, sourceIPs: ["203.0.113.0/24"]}\n',
    });
    const result = await eventually('angkor routed and its trunk in Conflict', async () => {
      const attempt = await explain('angkor', '203.0.113.10', '012345678').catch(() => undefined);
      return attempt?.stdout.includes('in Conflict') ? attempt : undefined;
    }, 90_000, 500);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^result: +rejected with 403 Forbidden - Unknown Source$/m);
    assert.match(result.stdout, new RegExp(`^note: +InboundTrunk ${ns}/angkor-sbc lists 203\\.0\\.113\\.0/24, but is out of routing, in Conflict \\(OverlappingSourceIPs\\): source 203\\.0\\.113\\.0/24 overlaps 203\\.0\\.113\\.10/32 of InboundTrunk ${ns}/mekong-sbc`, 'm'));
    assert.match(result.stdout, new RegExp(`^note: +InboundTrunk ${ns}/mekong-sbc of Carrier mekong-telecom lists 203\\.0\\.113\\.10/32: calls from 203\\.0\\.113\\.10 belong to Carrier mekong-telecom, not angkor\\.$`, 'm'));
  });

  test('a number out of routing is found by scanning the namespace\'s PhoneNumbers', async () => {
    await cluster.kubectlOk(['apply', '-n', ns, '-f', '-'], {
      input: 'apiVersion: telecom.switchyard.dev/v1alpha1\nkind: PhoneNumber\nmetadata: {name: orphan}\nspec: {carrierRef: {name: mekong-telecom}, number: "+85512999999", accountRef: {name: late-customer}}\n',
    });
    const result = await eventually('the orphan number explained', async () => {
      const attempt = await explain('mekong-telecom', '203.0.113.10', '012999999');
      return /AccountNotFound/.test(attempt.stdout) ? attempt : undefined;
    }, 60_000, 500);
    assert.equal(result.code, 1);
    assert.match(result.stdout, new RegExp(`^note: +PhoneNumber ${ns}/orphan has \\+85512999999, but is out of routing, Ready=False \\(AccountNotFound\\): Account ${ns}/late-customer does not exist\\.$`, 'm'));
  });

  test('a carrier without routing in the namespace is an error that says what is missing', async () => {
    const result = await explain('nobody', '192.0.2.1', '1234');
    assert.equal(result.code, 2);
    assert.match(result.stderr, new RegExp(`no ConfigMap ${ns}/nobody-routing: is Carrier nobody in namespace ${ns}, and is the operator running\\?`));
  });
});

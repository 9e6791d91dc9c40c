// The whole path on a real API server: objects applied with kubectl, compiled by the operator
// into routing ConfigMaps, read by a worker process through the API. A change to a PhoneNumber
// changes how the next call is routed; the worker reports the generation it serves (metric and
// Lease, so the Carrier becomes Programmed); a corrupt shard leaves the last good one serving.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, test } from 'node:test';
import { shardBinaryData } from '../../../api/routing/shard-data.ts';
import { testCluster } from '../../../testing/cluster.ts';
import { installCrds } from '../../../testing/crds.ts';
import { eventually, startOperator } from '../../../testing/operator-process.ts';
import { callablePlatform } from '../support/api-platform.ts';
import { runSipp, sippMissing } from '../support/sipp.ts';
import { callerExpecting } from '../support/scenarios.ts';
import { startWebhookServer, twiml } from '../support/webhook-server.ts';
import { startWorkerProcess } from '../support/worker-process.ts';

const cluster = await testCluster();
await installCrds(cluster);
const ns = await cluster.namespace('worker-api');
const webhook = await startWebhookServer();
after(() => webhook.close());
webhook.route('/busy', twiml('<Reject reason="busy"/>'));
webhook.route('/rejected', twiml('<Reject reason="rejected"/>'));
const operator = startOperator(cluster.kubeconfig);
after(() => operator.stop());
const worker = await startWorkerProcess({ SWITCHYARD_CARRIER: 'angkor', SWITCHYARD_NAMESPACE: ns, SWITCHYARD_KUBECONFIG: cluster.kubeconfig, SWITCHYARD_POD_NAME: 'angkor-sip-worker-test-0' });

const platform = (voicePath: string) => `
apiVersion: telecom.switchyard.dev/v1alpha1
kind: Carrier
metadata: { name: angkor }
spec: { displayName: Angkor Test, country: KH }
---${callablePlatform({ carrier: 'angkor', account: 'temple', trunk: 'angkor-sbc', numberName: 'temple-main', number: '+85563900100', voiceURL: `${webhook.base}${voicePath}` })}`;

const carrierStatus = async () => JSON.parse(await cluster.kubectlOk(['get', '-n', ns, 'carrier', 'angkor', '-o', 'json'])) as { status?: { routingGeneration?: string; conditions?: Array<{ type: string; status: string }> } };
const call = (status: number) => runSipp({ scenario: callerExpecting(status, { to: '+85563900100' }), remote: `127.0.0.1:${worker.sipPort}`, calls: 1 });

test('a routing change applied through the operator changes the next call, and the worker reports the generation', { skip: sippMissing, timeout: 120_000 }, async () => {
  await cluster.kubectlOk(['apply', '-n', ns, '-f', '-'], { input: platform('/busy') });
  // The operator may publish more than one generation while the objects arrive; wait for the worker to serve the one it settles on.
  const servedAsPublished = async () => {
    const published = (await carrierStatus()).status?.routingGeneration;
    return published !== undefined && (await worker.servedGeneration()) === published ? published : undefined;
  };
  const first = await eventually('the worker serves the generation the operator published', servedAsPublished, 60_000, 250);
  assert.equal(await worker.ready(), true);
  assert.equal((await call(486)).code, 0, 'the first voice URL answers busy');

  await cluster.kubectlOk(['apply', '-n', ns, '-f', '-'], { input: platform('/rejected') });
  const second = await eventually('the worker serves the new generation', async () => {
    const generation = await servedAsPublished();
    return generation !== first ? generation : undefined;
  }, 30_000, 100);
  assert.equal((await call(404)).code, 0, 'the next call fetched the new voice URL');
  assert.deepEqual(webhook.hits.map((hit) => hit.path), ['/busy', '/rejected']);

  await eventually('the Carrier is Programmed from the worker\'s Lease', async () => (await carrierStatus()).status?.conditions?.some((c) => c.type === 'Programmed' && c.status === 'True'), 30_000, 250);
  const lease = JSON.parse(await cluster.kubectlOk(['get', '-n', ns, 'lease', 'angkor-sip-worker-test-0', '-o', 'json'])) as { metadata: { annotations?: Record<string, string> } };
  assert.equal(lease.metadata.annotations?.['telecom.switchyard.dev/routing-generation'], second);
});

test('a corrupt shard leaves the previous generation serving', { skip: sippMissing, timeout: 60_000 }, async () => {
  const served = await worker.servedGeneration();
  assert.ok(served);
  // Stop the operator so nothing repairs what we break, then publish a generation whose shard is
  // not valid routing state although its sha256 matches the manifest.
  await operator.stop();
  const manifestObject = JSON.parse(await cluster.kubectlOk(['get', '-n', ns, 'configmap', 'angkor-routing', '-o', 'json'])) as { data: Record<string, string> };
  const manifest = JSON.parse(manifestObject.data['manifest.json'] ?? '{}') as { generation: string; shards: Array<{ name: string; sha256: string }> };
  const corrupt = '{"format":"switchyard.routing/v1","carrier":"angkor","index":0,"accounts":{},"numbers":{';
  const shard = manifest.shards[0];
  assert.ok(shard);
  await cluster.kubectlOk(['patch', '-n', ns, 'configmap', shard.name, '--type', 'merge', '-p', JSON.stringify({ binaryData: shardBinaryData(corrupt) })]);
  const broken = { ...manifest, generation: 'corrupt-0000', shards: [{ ...shard, sha256: createHash('sha256').update(corrupt).digest('hex') }] };
  await cluster.kubectlOk(['patch', '-n', ns, 'configmap', 'angkor-routing', '--type', 'merge', '-p', JSON.stringify({ data: { 'manifest.json': JSON.stringify(broken) } })]);
  await eventually('the worker refuses the corrupt generation', async () => (await worker.metric('switchyard_worker_routing_rejected_total')) > 0, 20_000, 100);
  assert.equal(await worker.servedGeneration(), served);
  assert.equal((await call(404)).code, 0, 'calls still route with the last good generation');
});

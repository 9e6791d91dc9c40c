// The REST API of a worker process reading routing through a real API server: an account places a
// call with the SID and auth token the operator gave it (read with kubectl, as a customer would),
// the call leaves through the carrier's OutboundTrunk to a SIPp party, and disabling the Account
// refuses its next request once the worker serves the generation that says so.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { testCluster } from '../../../testing/cluster.ts';
import { installCrds } from '../../../testing/crds.ts';
import { eventually, startOperator } from '../../../testing/operator-process.ts';
import { partyRefused } from '../support/placed-call-scenarios.ts';
import { freeUdpPort, sippMissing, startSippServer } from '../support/sipp.ts';
import { startWebhookServer, twiml } from '../support/webhook-server.ts';
import { startWorkerProcess } from '../support/worker-process.ts';

const cluster = await testCluster();
await installCrds(cluster);
const ns = await cluster.namespace('rest-api');
const webhook = await startWebhookServer();
after(() => webhook.close());
webhook.route('/hangup', twiml('<Hangup/>'));
webhook.route('/status', (_hit, response) => void response.writeHead(204).end());
const operator = startOperator(cluster.kubeconfig);
after(() => operator.stop());
const worker = await startWorkerProcess({ SWITCHYARD_CARRIER: 'preah', SWITCHYARD_NAMESPACE: ns, SWITCHYARD_KUBECONFIG: cluster.kubeconfig });
const partyPort = await freeUdpPort();

const platform = (enabled: boolean) => `
apiVersion: telecom.switchyard.dev/v1alpha1
kind: Carrier
metadata: { name: preah }
spec: { displayName: Preah Test, country: KH }
---
apiVersion: telecom.switchyard.dev/v1alpha1
kind: Account
metadata: { name: vihear }
spec: { carrierRef: { name: preah }, displayName: Vihear, enabled: ${enabled} }
---
apiVersion: telecom.switchyard.dev/v1alpha1
kind: PhoneNumber
metadata: { name: vihear-main }
spec: { carrierRef: { name: preah }, number: "+85523900100", accountRef: { name: vihear } }
---
apiVersion: telecom.switchyard.dev/v1alpha1
kind: OutboundTrunk
metadata: { name: preah-pstn }
spec: { carrierRef: { name: preah }, host: 127.0.0.1, port: ${partyPort}, transport: udp, routePrefixes: ["855"] }
`;

const kubectlJson = async <T>(...args: string[]) => JSON.parse(await cluster.kubectlOk([...args, '-n', ns, '-o', 'json'])) as T;
/** Waits until the worker serves what the operator last published and it differs from `previous`. */
const servedNew = (previous: string | undefined) => eventually('the worker serves the published generation', async () => {
  const published = (await kubectlJson<{ status?: { routingGeneration?: string } }>('get', 'carrier', 'preah')).status?.routingGeneration;
  return published !== undefined && published !== previous && (await worker.servedGeneration()) === published ? published : undefined;
}, 60_000, 100);

async function createCall(sid: string, token: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${worker.apiPort}/2010-04-01/Accounts/${sid}/Calls.json`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${sid}:${token}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ To: '+85597000111', From: '+85523900100', Url: `${webhook.base}/hangup`, StatusCallback: `${webhook.base}/status` }).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

test('an account places a call with the SID and auth token the operator gave it, until it is disabled', { skip: sippMissing, timeout: 180_000 }, async () => {
  await cluster.kubectlOk(['apply', '-n', ns, '-f', '-'], { input: platform(true) });
  const status = await eventually('the account\'s SID and token Secret', async () => {
    const account = await kubectlJson<{ status?: { accountSID?: string; authTokenSecretRef?: { name: string; key: string } } }>('get', 'account', 'vihear');
    return account.status?.accountSID && account.status.authTokenSecretRef ? account.status : undefined;
  }, 60_000);
  const ref = status.authTokenSecretRef;
  assert.ok(status.accountSID && ref);
  const secret = await kubectlJson<{ data: Record<string, string> }>('get', 'secret', ref.name);
  const token = Buffer.from(secret.data[ref.key] ?? '', 'base64').toString();
  const generation = await servedNew(undefined);

  assert.equal((await createCall(status.accountSID, `${token}x`)).status, 401, 'a token other than the Secret\'s is refused');

  const party = await startSippServer({ scenario: partyRefused(), localPort: partyPort, calls: 1 });
  const placed = await createCall(status.accountSID, token);
  assert.equal(placed.status, 201, JSON.stringify(placed.body));
  assert.equal((await party.exited).code, 0, 'the party was rung through the OutboundTrunk, answered, and was hung up on as the TwiML said');
  const callback = await eventually('the status callback', () => webhook.hits.find((hit) => hit.path === '/status' && hit.params.some(([k, v]) => k === 'CallSid' && v === placed.body.sid)), 10_000, 50);
  assert.ok(callback.params.some(([k, v]) => k === 'CallStatus' && v === 'completed'));
  const fetched = await fetch(`http://127.0.0.1:${worker.apiPort}${String(placed.body.uri)}`, { headers: { authorization: `Basic ${Buffer.from(`${status.accountSID}:${token}`).toString('base64')}` } });
  assert.equal(fetched.status, 200, 'the call is at the uri its creation gave');
  assert.equal(((await fetched.json()) as { status?: string }).status, 'completed');

  await cluster.kubectlOk(['apply', '-n', ns, '-f', '-'], { input: platform(false) });
  await servedNew(generation);
  const refused = await createCall(status.accountSID, token);
  assert.equal(refused.status, 403);
  assert.equal(refused.body.code, 20005);
});

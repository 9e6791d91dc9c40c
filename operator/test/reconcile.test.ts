// The operator against a real kube-apiserver: examples/ become routing state, workloads and Ready
// statuses; edits and deletions reach routing; conflicts and bad references become conditions.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { shardText } from '../../api/routing/shard-data.ts';
import { testCluster } from '../../testing/cluster.ts';
import { installCrds } from '../../testing/crds.ts';
import { eventually, startOperator, type OperatorProcess } from '../../testing/operator-process.ts';
import { compositeUsername, digestCredential } from '../src/compile/credentials.ts';
import { selfSignedCertificate } from '../../sip-workers/test/support/tls-certificate.ts';
import { allReady, conditionOf, list, routingState } from './cluster-objects.ts';

const examples = join(new URL('../..', import.meta.url).pathname, 'examples');
// Set up at the top level: hooks registered inside before() (the operator's kill, the namespace's
// deletion) would run as soon as before() ends.
const cluster = await testCluster();
await installCrds(cluster);
const operator: OperatorProcess = startOperator(cluster.kubeconfig, { SWITCHYARD_RESYNC_SECONDS: '2' });
const ns = await cluster.namespace('reconcile');
await cluster.kubectlOk(['apply', '-n', ns, '-f', examples]);

describe('applying examples/', () => {
  test('produces routing ConfigMaps, Secrets, workloads and RBAC, and every object turns Ready', async () => {
    const objects = await eventually('every example object Ready', () => allReady(cluster, ns), 60_000);
    assert.equal(objects.length, 11);
    const carrier = objects.find((o) => o.kind === 'Carrier');
    assert.equal(conditionOf(carrier, 'Programmed')?.reason, 'NoReadyWorkers', 'no worker pods run on a control plane without nodes');
    const account = objects.find((o) => o.metadata.name === 'kampot-pepper');
    assert.match(String(account?.status?.accountSID), /^AC[0-9a-f]{32}$/);

    const names = async (resource: string) => (await list(cluster, ns, resource)).map((o) => o.metadata.name).sort();
    assert.deepEqual(await names('deployments'), ['mekong-telecom-media-relay', 'mekong-telecom-sip-worker']);
    assert.deepEqual(await names('services'), ['mekong-telecom-api', 'mekong-telecom-media-relay', 'mekong-telecom-sip']);
    assert.deepEqual(await names('roles'), ['mekong-telecom-sip-worker']);
    assert.deepEqual(await names('rolebindings'), ['mekong-telecom-sip-worker']);
    assert.deepEqual(await names('poddisruptionbudgets'), ['mekong-telecom-sip-worker']);
    const secrets = await names('secrets');
    for (const secret of ['kampot-pepper-auth-token', 'phnom-penh-clinic-auth-token', 'mekong-telecom-worker-secrets']) assert.ok(secrets.includes(secret), `${secret} exists`);
    const service = (await list(cluster, ns, 'services')).find((s) => s.metadata.name === 'mekong-telecom-sip');
    assert.equal(service?.spec?.externalTrafficPolicy, 'Local');

    const routing = await routingState(cluster, ns, 'mekong-telecom');
    assert.ok(routing);
    assert.deepEqual(routing.numbers['+85512345678'], { type: 'mobile', enabled: true, account: 'kampot-pepper', voice: { url: 'https://api.kampot-pepper.example/twilio/sales', method: 'POST' }, fallback: { url: 'https://backup.kampot-pepper.example/twilio/sales', method: 'POST' } });
    assert.equal(routing.numbers['1294']?.account, 'phnom-penh-clinic');
    assert.deepEqual(routing.core?.inboundTrunks[0]?.sourceCIDRs, ['203.0.113.10/32', '203.0.113.64/28', '2001:db8:10::/48', '127.0.0.1/32']);
    assert.equal(routing.core?.carrier.callingCode, '855');
    assert.deepEqual(routing.secrets.outboundTrunks['mekong-pstn'], digestCredential(compositeUsername('sipauthtest', 'mekong-telecom.example'), 'pstn-gw.mekong-telecom.example', 'change-me-in-production'));
    assert.deepEqual(Object.keys(routing.secrets.sipDomains['kampot.sip-ap.switchyard.mekong-telecom.example'] ?? {}), ['agent-101', 'agent-102']);
    for (const cm of routing.configMaps) {
      // A shard's JSON is gzip'd: look inside it, not at its bytes.
      const held = JSON.stringify(cm.data ?? {}) + (shardText(cm) ?? '');
      assert.ok(held.includes('mekong-telecom'), `${cm.metadata.name} is read`);
      for (const password of ['change-me-in-production', 's3cret-agent-101']) assert.ok(!held.includes(password), `${cm.metadata.name} holds no password`);
    }
  });

  test('editing a PhoneNumber changes routing, and deleting it removes it', async () => {
    await cluster.kubectlOk(['patch', 'phonenumber', 'pn-85523900100', '-n', ns, '--type=merge', '-p', '{"spec":{"voiceURL":"https://clinic.example/new-ivr"}}']);
    await eventually('the new voice URL in routing', async () => (await routingState(cluster, ns, 'mekong-telecom'))?.numbers['+85523900100']?.voice?.url === 'https://clinic.example/new-ivr');
    await cluster.kubectlOk(['delete', 'phonenumber', 'pn-85523900100', '-n', ns]);
    await eventually('the number gone from routing', async () => {
      const routing = await routingState(cluster, ns, 'mekong-telecom');
      return routing !== undefined && !('+85523900100' in routing.numbers);
    });
  });
});

describe('conflicts and bad references', () => {
  const apply = (yaml: string) => cluster.kubectlOk(['apply', '-n', ns, '-f', '-'], { input: yaml });
  const get = async (kind: string, name: string) => (await list(cluster, ns, kind)).find((o) => o.metadata.name === name);

  test('a second PhoneNumber for a routed number gets Conflict; the first keeps routing; deleting the first hands it over', async () => {
    await apply(`apiVersion: telecom.switchyard.dev/v1alpha1\nkind: PhoneNumber\nmetadata: {name: pn-dup}\nspec: {carrierRef: {name: mekong-telecom}, number: "+85512345678", accountRef: {name: phnom-penh-clinic}}\n`);
    const dup = await eventually('Conflict on pn-dup', async () => {
      const object = await get('phonenumbers', 'pn-dup');
      return conditionOf(object, 'Conflict')?.status === 'True' ? object : undefined;
    });
    assert.equal(conditionOf(dup, 'Conflict')?.reason, 'DuplicateNumber');
    assert.match(conditionOf(dup, 'Conflict')?.message ?? '', new RegExp(`PhoneNumber ${ns}/pn-85512345678`));
    assert.equal(conditionOf(dup, 'Ready')?.status, 'False');
    assert.equal((await routingState(cluster, ns, 'mekong-telecom'))?.numbers['+85512345678']?.account, 'kampot-pepper');

    const warning = await eventually('a DuplicateNumber event', async () => {
      const events = await cluster.kubectlOk(['get', 'events', '-n', ns, '--field-selector', 'involvedObject.name=pn-dup', '-o', 'custom-columns=TYPE:.type,REASON:.reason', '--no-headers']);
      return /Warning\s+DuplicateNumber/.test(events) ? events : undefined;
    });
    assert.ok(warning);

    await cluster.kubectlOk(['delete', 'phonenumber', 'pn-85512345678', '-n', ns]);
    await eventually('a ConflictResolved event', async () => /Normal\s+ConflictResolved/.test(await cluster.kubectlOk(['get', 'events', '-n', ns, '--field-selector', 'involvedObject.name=pn-dup', '-o', 'custom-columns=TYPE:.type,REASON:.reason', '--no-headers'])));
    await eventually('pn-dup takes over the number', async () => {
      const object = await get('phonenumbers', 'pn-dup');
      const routing = await routingState(cluster, ns, 'mekong-telecom');
      return conditionOf(object, 'Conflict') === undefined && conditionOf(object, 'Ready')?.status === 'True' && routing?.numbers['+85512345678']?.account === 'phnom-penh-clinic';
    });
  });

  test('an overlapping InboundTrunk on another carrier gets Conflict and stays out of routing', async () => {
    await apply(`apiVersion: telecom.switchyard.dev/v1alpha1\nkind: Carrier\nmetadata: {name: angkor}\nspec: {displayName: Angkor, country: KH}\n---\napiVersion: telecom.switchyard.dev/v1alpha1\nkind: InboundTrunk\nmetadata: {name: angkor-sbc}\nspec: {carrierRef: {name: angkor}, sourceIPs: ["203.0.113.0/24"]}\n`);
    const trunk = await eventually('Conflict on angkor-sbc', async () => {
      const object = await get('inboundtrunks', 'angkor-sbc');
      return conditionOf(object, 'Conflict')?.status === 'True' ? object : undefined;
    });
    assert.equal(conditionOf(trunk, 'Conflict')?.reason, 'OverlappingSourceIPs');
    assert.match(conditionOf(trunk, 'Conflict')?.message ?? '', /overlaps 203\.0\.113\.(10\/32|64\/28) of InboundTrunk .*\/mekong-sbc/);
    assert.deepEqual((await routingState(cluster, ns, 'angkor'))?.core?.inboundTrunks, []);
    assert.equal((await routingState(cluster, ns, 'mekong-telecom'))?.core?.inboundTrunks.length, 1);
    // Narrowing the later trunk to a free range clears the conflict.
    await cluster.kubectlOk(['patch', 'inboundtrunk', 'angkor-sbc', '-n', ns, '--type=merge', '-p', '{"spec":{"sourceIPs":["192.0.2.0/24"]}}']);
    await eventually('angkor-sbc routed', async () => (await routingState(cluster, ns, 'angkor'))?.core?.inboundTrunks.length === 1);
    assert.equal(conditionOf(await get('inboundtrunks', 'angkor-sbc'), 'Conflict'), undefined);
  });

  test('a Carrier serving TLS reports SipTlsCertificateValid=False (SecretNotFound, with a Warning event) until its Secret exists, then Valid; the Service opens the TLS port', async () => {
    await cluster.kubectlOk(['patch', 'carrier', 'mekong-telecom', '-n', ns, '--type=merge', '-p', '{"spec":{"sipWorkers":{"tls":{"secretRef":{"name":"mekong-sip-tls"}}}}}']);
    await eventually('SecretNotFound', async () => conditionOf(await get('carriers', 'mekong-telecom'), 'SipTlsCertificateValid')?.reason === 'SecretNotFound');
    await eventually('a Warning event', async () => /Warning\s+SecretNotFound/.test(await cluster.kubectlOk(['get', 'events', '-n', ns, '--field-selector', 'involvedObject.name=mekong-telecom', '-o', 'custom-columns=TYPE:.type,REASON:.reason', '--no-headers'])));
    const dir = await mkdtemp(join(tmpdir(), 'switchyard-reconcile-tls-'));
    try {
      const certificate = selfSignedCertificate(dir, 'sip');
      await cluster.kubectlOk(['create', 'secret', 'tls', 'mekong-sip-tls', '-n', ns, '--cert', certificate.certFile, '--key', certificate.keyFile]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const valid = await eventually('Valid', async () => {
      const condition = conditionOf(await get('carriers', 'mekong-telecom'), 'SipTlsCertificateValid');
      return condition?.reason === 'Valid' ? condition : undefined;
    });
    assert.equal(valid.status, 'True');
    assert.match(valid.message ?? '', /valid until/);
    const service = (await list(cluster, ns, 'services')).find((s) => s.metadata.name === 'mekong-telecom-sip');
    const ports = (service?.spec?.ports ?? []) as Array<{ name?: string; port?: number }>;
    assert.ok(ports.some((port) => port.name === 'sip-tls' && port.port === 5061), 'the Service opens 5061');
  });

  test('a reference to a missing Account is ResolvedRefs=False until the Account exists', async () => {
    await apply(`apiVersion: telecom.switchyard.dev/v1alpha1\nkind: PhoneNumber\nmetadata: {name: pn-orphan}\nspec: {carrierRef: {name: mekong-telecom}, number: "+85512999999", accountRef: {name: late-customer}}\n`);
    const orphan = await eventually('AccountNotFound', async () => {
      const object = await get('phonenumbers', 'pn-orphan');
      return conditionOf(object, 'ResolvedRefs')?.reason === 'AccountNotFound' ? object : undefined;
    });
    assert.equal(conditionOf(orphan, 'Ready')?.status, 'False');
    assert.equal((await routingState(cluster, ns, 'mekong-telecom'))?.numbers['+85512999999'], undefined);
    await apply(`apiVersion: telecom.switchyard.dev/v1alpha1\nkind: Account\nmetadata: {name: late-customer}\nspec: {carrierRef: {name: mekong-telecom}, voiceURL: "https://late.example/voice"}\n`);
    await eventually('pn-orphan routed', async () => (await routingState(cluster, ns, 'mekong-telecom'))?.numbers['+85512999999']?.account === 'late-customer');
  });

  test('a trunk whose credentials are Bandwidth hashes is ResolvedRefs=False (InvalidHash) while one is malformed, then routes them as given', async () => {
    const realm = 'custxx.auth.bandwidth.com';
    const hashes = (hash1: string) => `apiVersion: v1\nkind: Secret\nmetadata: {name: bw-hashes}\nstringData: {hash1: "${hash1}", hash1b: 79bb0e55551e14a2f329a282c7cf1456}\n`;
    await apply(hashes('fe438bddfc087dda89d29e637f5684a'));
    await apply(`apiVersion: telecom.switchyard.dev/v1alpha1\nkind: OutboundTrunk\nmetadata: {name: bandwidth-transit}\nspec: {carrierRef: {name: mekong-telecom}, host: sip.bandwidth.example, routePrefixes: ["1"], credentials: {username: sipauthtest, realm: ${realm}, hashesSecretRef: {name: bw-hashes}}}\n`);
    await eventually('InvalidHash', async () => conditionOf(await get('outboundtrunks', 'bandwidth-transit'), 'ResolvedRefs')?.reason === 'InvalidHash');
    await apply(hashes('FE438BDDFC087DDA89D29E637F5684AB'));
    const routed = await eventually('the hashes in routing', async () => (await routingState(cluster, ns, 'mekong-telecom'))?.secrets.outboundTrunks['bandwidth-transit']);
    assert.deepEqual(routed, digestCredential('sipauthtest', realm, 'password'));
  });
});

describe('the SIP workers\' flow token key', () => {
  const secretJson = async (name: string) => JSON.parse(await cluster.kubectlOk(['get', 'secret', name, '-n', ns, '-o', 'json'])) as { data: Record<string, string>; metadata: { ownerReferences?: Array<{ kind: string; name: string }> } };
  const workerEnv = async () => {
    const deployment = (await list(cluster, ns, 'deployments')).find((d) => d.metadata.name === 'mekong-telecom-sip-worker') as { spec?: { template?: { spec?: { containers?: Array<{ env?: Array<{ name: string; valueFrom?: unknown }> }> } } } } | undefined;
    return deployment?.spec?.template?.spec?.containers?.[0]?.env ?? [];
  };

  test('is created once for a Carrier with a registrar, kept through later edits, referenced by the workers, and removed with the registrar', async () => {
    await cluster.kubectlOk(['patch', 'carrier', 'mekong-telecom', '-n', ns, '--type=merge', '-p', '{"spec":{"registrar":{"redisURLSecretRef":{"name":"registrar-redis"}}}}']);
    const created = await eventually('the key Secret', async () => (await secretJson('mekong-telecom-sip-worker-key').catch(() => undefined)));
    assert.match(Buffer.from(created.data.flowTokenKey ?? '', 'base64').toString(), /^[0-9a-f]{64}$/);
    assert.deepEqual(created.metadata.ownerReferences?.map((owner) => `${owner.kind}/${owner.name}`), ['Carrier/mekong-telecom']);
    await eventually('the workers read it', async () => (await workerEnv()).some((variable) => variable.name === 'SWITCHYARD_FLOW_TOKEN_KEY'));
    assert.deepEqual((await workerEnv()).find((variable) => variable.name === 'SWITCHYARD_FLOW_TOKEN_KEY')?.valueFrom, { secretKeyRef: { name: 'mekong-telecom-sip-worker-key', key: 'flowTokenKey' } });

    await cluster.kubectlOk(['patch', 'carrier', 'mekong-telecom', '-n', ns, '--type=merge', '-p', '{"spec":{"calls":{"maxDurationSeconds":7000}}}']);
    await eventually('the edit reached the workers', async () => (await workerEnv()).some((variable) => variable.name === 'SWITCHYARD_MAX_CALL_SECONDS' && (variable as { value?: string }).value === '7000'));
    assert.equal((await secretJson('mekong-telecom-sip-worker-key')).data.flowTokenKey, created.data.flowTokenKey, 'the key was not regenerated');

    await cluster.kubectlOk(['patch', 'carrier', 'mekong-telecom', '-n', ns, '--type=json', '-p', '[{"op":"remove","path":"/spec/registrar"},{"op":"replace","path":"/spec/calls/maxDurationSeconds","value":14400}]']);
    await eventually('the key Secret removed', async () => !(await list(cluster, ns, 'secrets')).some((secret) => secret.metadata.name === 'mekong-telecom-sip-worker-key'));
    assert.equal((await workerEnv()).some((variable) => variable.name === 'SWITCHYARD_FLOW_TOKEN_KEY'), false);
  });
});

describe('steady state', () => {
  test('issues zero writes over several resync periods', async () => {
    await eventually('converged', () => allReady(cluster, ns), 60_000);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const snapshot = async () => {
      const versions: string[] = [];
      for (const resource of ['telecom', 'configmaps', 'secrets', 'deployments', 'services', 'roles', 'rolebindings', 'poddisruptionbudgets', 'serviceaccounts']) {
        for (const object of await list(cluster, ns, resource)) versions.push(`${object.kind}/${object.metadata.name}@${object.metadata.resourceVersion}`);
      }
      return versions.sort();
    };
    const writesBefore = await operator.metric('switchyard_writes_total');
    const patchesBefore = await operator.metric('switchyard_api_requests_total', { verb: 'PATCH' });
    const reconcilesBefore = await operator.metric('switchyard_reconciles_total');
    const before = await snapshot();
    await new Promise((resolve) => setTimeout(resolve, 6000));
    assert.ok((await operator.metric('switchyard_reconciles_total')) >= reconcilesBefore + 2, 'at least two resyncs ran');
    assert.equal(await operator.metric('switchyard_writes_total'), writesBefore);
    assert.equal(await operator.metric('switchyard_api_requests_total', { verb: 'PATCH' }), patchesBefore);
    assert.deepEqual(await snapshot(), before);
  });
});

describe('deleting the Carrier', () => {
  test('removes everything it owned', async () => {
    await cluster.kubectlOk(['delete', 'carrier', 'mekong-telecom', '-n', ns]);
    await eventually('owned objects garbage-collected', async () => {
      const owned: string[] = [];
      for (const resource of ['configmaps', 'secrets', 'deployments', 'services', 'roles', 'rolebindings', 'poddisruptionbudgets', 'serviceaccounts']) {
        owned.push(...(await list(cluster, ns, resource)).filter((o) => o.metadata.labels?.['telecom.switchyard.dev/carrier'] === 'mekong-telecom').map((o) => `${o.kind}/${o.metadata.name}`));
      }
      return owned.length === 0;
    }, 60_000);
    const number = (await list(cluster, ns, 'phonenumbers')).find((o) => o.metadata.name === 'pn-1294');
    await eventually('numbers report the missing carrier', async () => conditionOf((await list(cluster, ns, 'phonenumbers')).find((o) => o.metadata.name === 'pn-1294'), 'ResolvedRefs')?.reason === 'CarrierNotFound');
    assert.ok(number);
  });
});

// The chart on its own: helm lint and helm template, the values schema refusing what it does not
// know, and a Deployment that configures every setting the operator reads.
import type { V1ClusterRoleBinding, V1Deployment, V1EnvVar, V1Service, V1ServiceAccount } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parser } from '@prometheus-io/lezer-promql';
import { loadConfig, operatorConfig } from '../../operator/src/config.ts';
import { operatorMetrics } from '../../operator/src/metrics.ts';
import { chartDir, findObject, helm, render } from './helm.ts';

const operatorContainer = (objects: Awaited<ReturnType<typeof render>>) => {
  const container = (findObject(objects, 'Deployment') as unknown as V1Deployment).spec?.template.spec?.containers[0];
  assert.ok(container, 'the Deployment has a container');
  return container;
};
interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: string };
  annotations: { summary?: string; description?: string };
}

/** The spans the PromQL grammar could not parse (Prometheus's own lezer grammar, as its UI uses). */
function promqlErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({ enter: (node) => { if (node.type.isError) errors.push(`at ${node.from}: ${JSON.stringify(expr.slice(node.from, node.from + 20))}`); } });
  return errors;
}

const envValue = (env: V1EnvVar[] | undefined, name: string) => env?.find((variable) => variable.name === name)?.value;

describe('helm lint and helm template', () => {
  test('helm lint --strict finds nothing to warn about', async () => {
    const result = await helm(['lint', '--strict', chartDir]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.doesNotMatch(result.stdout, /\[(WARNING|ERROR)\]/);
  });

  test('the defaults render the operator, its identity and RBAC, and a metrics Service; no ServiceMonitor', async () => {
    const objects = await render();
    assert.deepEqual(objects.map((o) => o.kind).sort(), ['ClusterRole', 'ClusterRoleBinding', 'Deployment', 'Service', 'ServiceAccount']);
    const deployment = findObject(objects, 'Deployment') as unknown as V1Deployment;
    assert.equal(deployment.spec?.replicas, 2);
    assert.equal(envValue(operatorContainer(objects).env, 'SWITCHYARD_LEADER_ELECTION'), 'true');
    const account = findObject(objects, 'ServiceAccount') as unknown as V1ServiceAccount;
    assert.equal(deployment.spec?.template.spec?.serviceAccountName, account.metadata?.name);
    const binding = findObject(objects, 'ClusterRoleBinding') as unknown as V1ClusterRoleBinding;
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: account.metadata?.name, namespace: 'switchyard-system' }]);
    assert.equal(binding.roleRef.name, findObject(objects, 'ClusterRole').metadata.name);
  });

  test('serviceMonitor.enabled adds a ServiceMonitor scraping the metrics Service', async () => {
    const objects = await render({ 'serviceMonitor.enabled': 'true' });
    const monitor = findObject(objects, 'ServiceMonitor') as unknown as { spec: { selector: { matchLabels: Record<string, string> }; endpoints: Array<{ port: string; path: string }> } };
    const service = findObject(objects, 'Service') as unknown as V1Service;
    assert.deepEqual(monitor.spec.endpoints.map((e) => [e.port, e.path]), [[service.spec?.ports?.[0]?.name, '/metrics']]);
    assert.deepEqual(monitor.spec.selector.matchLabels, service.spec?.selector);
  });

  test('prometheusRule.enabled adds alerts in valid PromQL that read only metrics the operator exports, as its metrics Service is scraped', async () => {
    const objects = await render({ 'prometheusRule.enabled': 'true' });
    const rules = (findObject(objects, 'PrometheusRule') as unknown as { spec: { groups: Array<{ rules: AlertRule[] }> } }).spec.groups.flatMap((group) => group.rules);
    const service = findObject(objects, 'Service');
    const exported = new Set((await operatorMetrics().registry.getMetricsAsJSON()).map((metric) => metric.name));
    assert.ok(rules.length >= 4, `${rules.length} alerts`);
    for (const rule of rules) {
      assert.deepEqual(promqlErrors(rule.expr), [], `${rule.alert}: ${rule.expr}`);
      const read = [...rule.expr.matchAll(/\b(switchyard_[a-z_]+)\{([^}]*)\}/g)];
      assert.ok(read.length > 0, `${rule.alert} reads a Switchyard metric`);
      for (const [, name = '', selector] of read) {
        const metric = exported.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '');
        assert.ok(exported.has(metric), `${rule.alert} reads ${name}, which the operator does not export`);
        assert.equal(selector, `job="${service.metadata.name}", namespace="switchyard-system"`, `${rule.alert} selects the operator's metrics Service`);
      }
      assert.match(rule.for, /^\d+m$/);
      assert.ok(['warning', 'critical'].includes(rule.labels.severity), `${rule.alert} has a severity`);
      assert.ok(rule.annotations.summary && rule.annotations.description, `${rule.alert} says what is wrong`);
    }
  });
});

describe('the operator Deployment', () => {
  test('sets every variable operator/src/config.ts reads, and the operator accepts them', async () => {
    const container = operatorContainer(await render());
    const names = (container.env ?? []).map((variable) => variable.name);
    for (const name of Object.keys(operatorConfig.shape)) assert.ok(names.includes(name), `${name} is set`);
    const values = Object.fromEntries((container.env ?? []).flatMap((v) => (v.value === undefined ? [] : [[v.name, v.value]])));
    const config = loadConfig({ ...values, SWITCHYARD_IDENTITY: 'sy-switchyard-abc12' });
    assert.equal(config.SWITCHYARD_LEASE_NAMESPACE, 'switchyard-system', 'the leader Lease lives in the release namespace, not a Carrier\'s');
    assert.equal(config.SWITCHYARD_PUSH_SERVICE_IMAGE, config.SWITCHYARD_SIP_WORKER_IMAGE, 'the push service runs from the SIP worker image');
    assert.deepEqual(container.env?.find((v) => v.name === 'SWITCHYARD_IDENTITY')?.valueFrom?.fieldRef?.fieldPath, 'metadata.name');
  });

  test('caps the V8 heap through NODE_OPTIONS, with room below the memory limit for what is not heap', async () => {
    const defaults = operatorContainer(await render());
    const heapMb = Number(/^--max-old-space-size=(\d+)$/.exec(envValue(defaults.env, 'NODE_OPTIONS') ?? '')?.[1]);
    const limitMb = Number(/^(\d+)Mi$/.exec(String(defaults.resources?.limits?.memory))?.[1]);
    assert.ok(heapMb >= 256, `a heap of ${heapMb} MiB holds 100,000 PhoneNumbers (docs/adr/0002-operator-at-scale.md)`);
    assert.ok(limitMb - heapMb >= 128, `${limitMb} MiB limit leaves room beside a ${heapMb} MiB heap`);
    assert.ok(defaults.resources?.requests?.cpu && defaults.resources.requests.memory, 'requests are set');
    assert.equal(envValue(operatorContainer(await render({ 'operator.maxOldSpaceSizeMb': '300' })).env, 'NODE_OPTIONS'), '--max-old-space-size=300');
  });

  test('probes /livez and /readyz on the port SWITCHYARD_HTTP_ADDRESS listens on', async () => {
    const container = operatorContainer(await render({ 'operator.httpPort': '9090' }));
    assert.equal(envValue(container.env, 'SWITCHYARD_HTTP_ADDRESS'), '0.0.0.0:9090');
    assert.deepEqual(container.ports, [{ name: 'http', containerPort: 9090, protocol: 'TCP' }]);
    assert.deepEqual([container.livenessProbe?.httpGet?.path, container.livenessProbe?.httpGet?.port], ['/livez', 'http']);
    assert.deepEqual([container.readinessProbe?.httpGet?.path, container.readinessProbe?.httpGet?.port], ['/readyz', 'http']);
  });

  test('runs as a numeric non-root user on a read-only root, without privileges or capabilities', async () => {
    const objects = await render();
    const pod = (findObject(objects, 'Deployment') as unknown as V1Deployment).spec?.template.spec;
    assert.deepEqual(pod?.securityContext, { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    assert.deepEqual(operatorContainer(objects).securityContext, { runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
  });

  test('image tags default to the chart appVersion and follow the values', async () => {
    const container = operatorContainer(await render({ 'image.tag': 'dev', 'workloadImages.mediaRelay.repository': 'kind.local/rtpengine' }));
    assert.equal(container.image, 'ghcr.io/switchyard-dev/operator:dev');
    assert.equal(envValue(container.env, 'SWITCHYARD_MEDIA_RELAY_IMAGE'), 'kind.local/rtpengine:0.1.0');
  });
});

describe('values the chart refuses', () => {
  const refused = async (args: string[]) => {
    const result = await helm(['template', 'sy', chartDir, ...args]);
    assert.notEqual(result.code, 0, `helm template ${args.join(' ')} should fail`);
    return result.stderr;
  };

  test('an unknown key, a wrong type and an out-of-range value', async () => {
    assert.match(await refused(['--set', 'replicas=3']), /additional properties 'replicas' not allowed/);
    assert.match(await refused(['--set', 'operator.logLevel=verbose']), /logLevel/);
    assert.match(await refused(['--set', 'runAsUser=0']), /runAsUser/);
    assert.match(await refused(['--set-string', 'leaderElection.enabled=yes']), /enabled/);
  });

  test('two replicas without leader election, which would be two writers', async () => {
    assert.match(await refused(['--set', 'leaderElection.enabled=false']), /replicaCount > 1 needs leaderElection.enabled/);
    assert.equal((await helm(['template', 'sy', chartDir, '--set', 'leaderElection.enabled=false', '--set', 'replicaCount=1'])).code, 0);
  });
});

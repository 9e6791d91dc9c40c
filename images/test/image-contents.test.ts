// What each image would hold, read from its Dockerfile and .dockerignore (no Docker engine here):
// every module the command the operator gives it imports is copied to the same relative place,
// every package it imports is a production dependency, nothing but source that runs goes in, and
// it runs as the numeric non-root user the pod specs set.
import type { V1Deployment } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, test } from 'node:test';
import { carrierWorkloads } from '../../operator/src/compile/workloads/index.ts';
import { nonRootID } from '../../operator/src/compile/workloads/pod-hardening.ts';
import { exampleSpec, find, inputsFor } from '../../operator/test/workloads/fixtures.ts';
import { dockerignore, finalStage, imagePath, type FinalStage } from './dockerfile.ts';
import { moduleGraph } from './module-graph.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;
const ignored = dockerignore(join(repoRoot, '.dockerignore'));
const trackedFiles = execFileSync('git', ['ls-files'], { cwd: repoRoot, encoding: 'utf8' }).split('\n').filter(Boolean);
const { dependencies } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

const workloads = carrierWorkloads(inputsFor(exampleSpec({ push: { fcm: { projectID: 'mekong-voice', serviceAccountSecretRef: { name: 'fcm-sa' } } } })));
const commandOf = (name: string) => find<V1Deployment>(workloads, 'Deployment', name).spec?.template.spec?.containers[0]?.command ?? [];
const stageOf = (image: string) => finalStage(join(repoRoot, 'images', image, 'Dockerfile'));

function assertRuns(stage: FinalStage, command: string[]): void {
  const [node, entry = ''] = command;
  assert.equal(node, 'node');
  const graph = moduleGraph(repoRoot, entry);
  const missing = [...graph.files].filter((file) => imagePath(stage, ignored, file) !== posix.join(stage.workdir, file));
  assert.deepEqual(missing, [], `modules ${entry} imports that the image lacks`);
  assert.equal(imagePath(stage, ignored, 'package.json'), posix.join(stage.workdir, 'package.json'), 'package.json ("type": "module") beside the source');
  const devOnly = [...graph.packages].filter((name) => !(name in dependencies));
  assert.deepEqual(devOnly, [], 'packages imported at run time but missing from dependencies (npm ci --omit=dev leaves them out)');
}

function assertHardened(stage: FinalStage): void {
  assert.match(stage.user ?? '', /^\d+(:\d+)?$/, 'USER is numeric, so the kubelet can check runAsNonRoot');
  assert.equal(Number(stage.user?.split(':')[0]), nonRootID, 'the UID the pod specs set');
}

describe('the Node images', () => {
  const cases = [
    { image: 'operator', command: ['node', 'operator/src/main.ts'], what: 'the chart\'s operator command' },
    { image: 'sip-worker', command: commandOf('mekong-telecom-sip-worker'), what: 'the SIP worker Deployment\'s command' },
  ];
  for (const { image, command, what } of cases) {
    test(`${image}: node:24-slim, production dependencies only, runs ${what} as a non-root user`, () => {
      const stage = stageOf(image);
      assert.equal(stage.from, 'node:24-slim');
      assert.deepEqual(stage.cmd, command);
      assert.ok(stage.runs.length === 0, 'the final stage runs nothing at build time');
      const dependencyStage = readFileSync(join(repoRoot, 'images', image, 'Dockerfile'), 'utf8');
      assert.match(dependencyStage, /npm ci --omit=dev/);
      assertRuns(stage, command);
      assertHardened(stage);
    });
  }

  const pushCommand = commandOf('mekong-telecom-push');
  const pushEntry = pushCommand[1] ?? '';
  test('sip-worker: also runs the push service\'s command', { skip: !existsSync(join(repoRoot, pushEntry)) && `${pushEntry} is not in this checkout yet` }, () => {
    assertRuns(stageOf('sip-worker'), pushCommand);
  });

  test('no tests, benchmarks, tooling or local state reach the build context', () => {
    const inContext = trackedFiles.filter((file) => !ignored(file));
    assert.deepEqual(inContext.filter((file) => /\.test\.ts$|(^|\/)(test|bench|generate)\//.test(file)), []);
    assert.ok(['.switchyard/kubeconfig', 'node_modules/zod/package.json', '.git/HEAD', 'Makefile', 'examples/01-carrier.yaml'].every(ignored));
    assert.ok(inContext.every((file) => /^(package(-lock)?\.json|api\/(v1alpha1|routing|reports|kube|certificates)\/|operator\/src\/|sip-workers\/src\/)/.test(file)), 'only the sources and manifests the images copy');
  });
});

describe('the media relay image', () => {
  test('Debian 12\'s rtpengine 10.5, whose flags the operator writes, run as the non-root user the pod sets', () => {
    const stage = stageOf('media-relay');
    assert.match(stage.from, /^debian:bookworm/);
    assert.ok(stage.runs.some((run) => /apt-get install .*rtpengine-daemon=10\.5\./.test(run)), 'rtpengine-daemon 10.5 is installed');
    assert.ok(stage.runs.some((run) => /rm .*\/etc\/rtpengine\/rtpengine\.conf/.test(run)), 'no sample config opening CLI and HTTP ports beside the operator\'s flags');
    assert.deepEqual(stage.entrypoint, [commandOf('mekong-telecom-media-relay')[0]]);
    assertHardened(stage);
  });
});

// switchyard render: the operator's compile over a directory of manifests, printed, or compared
// with the cluster (--diff).
import { clusterClient } from '../kube/cluster-client.ts';
import { operatorImages } from '../render/operator-images.ts';
import { diffAgainstCluster } from '../render/cluster-diff.ts';
import { readClusterSnapshot } from '../render/cluster-snapshot.ts';
import { readManifestDir } from '../render/manifest-files.ts';
import { renderingYaml } from '../render/print-rendering.ts';
import { renderManifests } from '../render/render-manifests.ts';
import { exitCodes, parseCommandArgs, UsageError, write, type Command, type CommandIO } from '../terminal/command.ts';

const help = `Usage: switchyard render DIR [--namespace N] [--kubeconfig K] [--diff] [--now TIME]

Reads every manifest in DIR (the .yaml, .yml and .json files directly in it, as kubectl apply -f DIR
does), runs the operator's own pure compile over them and prints, as YAML, exactly what the
operator would write: the routing ConfigMaps (manifest and shards), each carrier's worker Secret,
its workloads (Deployments, Services, RBAC, PodDisruptionBudget) with the applied-hash annotation
the operator's applier adds, the auth-token Secrets it creates once, and the status of every
Switchyard object in DIR.

Offline (no --kubeconfig, no --diff) what only the API server knows is made up deterministically:
UIDs are hashed from kind, namespace and name (so Account SIDs and owner references are stable but
not the cluster's), objects are created in DIR order (of two that conflict, the later one in DIR
loses, as the later-created one would), no SIP worker reports in (Programmed=False).

With --kubeconfig (or --diff), DIR is what would be applied to that cluster: UIDs, creation times,
generations and statuses of objects already there come from the cluster, and so do its Secrets
(auth tokens, passwords DIR does not hold) and the workers' Leases. The output is then what the
operator would write after kubectl apply -f DIR. Objects outside DIR are not read, so a conflict
with one of them is not seen.

Secrets and generated values: the operator draws auth tokens at random, once per Account. Render
draws them from a fixed stream instead, so the same DIR always renders the same tokens and the same
routing generation (with a cluster, the tokens it already holds are used, as the operator uses
them). Secret values are never printed: each is shown as <redacted: N bytes, sha256 …>, enough to
see that it changed. Condition times are --now (default: the current time).

--diff compares with the cluster instead of printing: objects the operator would create, change
(each changed field with its value before and after; JSON in ConfigMaps is followed into) or
delete, and statuses that would change. It compares what the operator would write, not DIR's own
specs (kubectl diff -f DIR does that).

Options:
  -n, --namespace N    Namespace of objects in DIR that name none (default "default").
  --kubeconfig K       Read identities, Secrets and Leases from this cluster (default with --diff:
                       $KUBECONFIG, then ~/.kube/config).
  --diff               Print the differences with the cluster; exit 1 if there are any.
  --now TIME           The time conditions change at (ISO 8601), for reproducible output.
  -h, --help           This help.

Exit codes: 0 rendered (with --diff: no differences), 1 differences, 2 error.

Examples:
  switchyard render examples/ > rendered.yaml
  switchyard render examples/ --namespace telco --diff
`;

function parse(args: string[]) {
  const { values, positionals } = parseCommandArgs(args, {
    namespace: { type: 'string', short: 'n' }, kubeconfig: { type: 'string' }, diff: { type: 'boolean' }, now: { type: 'string' },
  });
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'DIR is required' : `one DIR expected, got ${positionals.length} arguments`);
  const now = values.now === undefined ? new Date() : new Date(values.now);
  if (Number.isNaN(now.getTime())) throw new UsageError(`--now "${values.now}" is not a time (e.g. 2026-01-01T00:00:00Z)`);
  return { dir: positionals[0] as string, namespace: values.namespace ?? 'default', kubeconfig: values.kubeconfig, diff: values.diff === true, now };
}

async function run(args: string[], io: CommandIO): Promise<number> {
  const options = parse(args);
  const manifests = await readManifestDir(options.dir);
  const useCluster = options.diff || options.kubeconfig !== undefined;
  const client = useCluster ? await clusterClient({ kubeconfig: options.kubeconfig, env: io.env }) : undefined;
  const namespaces = new Set(manifests.map(({ object }) => object.metadata.namespace ?? options.namespace));
  const cluster = client ? await readClusterSnapshot(client, namespaces) : undefined;
  const rendering = renderManifests(manifests, { defaultNamespace: options.namespace, images: operatorImages(io.env), now: options.now, ...(cluster ? { cluster } : {}) });
  for (const warning of rendering.warnings) await write(io.stderr, `warning: ${warning}\n`);

  if (!options.diff || !client || !cluster) {
    for (const document of renderingYaml(rendering)) await write(io.stdout, document);
    return exitCodes.ok;
  }
  const changes = await diffAgainstCluster(rendering, cluster, client);
  for (const change of changes) await write(io.stdout, `${change.heading}\n${change.lines.map((line) => `    ${line}\n`).join('')}`);
  await write(io.stderr, changes.length === 0 ? 'no differences: the cluster holds what the operator would write for DIR\n' : `${changes.length} ${changes.length === 1 ? 'object differs' : 'objects differ'}\n`);
  return changes.length === 0 ? exitCodes.ok : exitCodes.negative;
}

export const render: Command = {
  name: 'render',
  summary: 'Print what the operator would write for a directory of manifests; --diff against a cluster.',
  help,
  run,
};

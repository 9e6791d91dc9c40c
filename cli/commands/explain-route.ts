// switchyard explain-route: which inbound trunk, number, account and webhook a call would hit,
// decided by the SIP worker's own inbound router over the carrier's routing generation.
import { parseAddress } from '../../api/routing/cidr.ts';
import { evidenceFromCluster } from '../explain/evidence-from-cluster.ts';
import { evidenceFromManifests } from '../explain/evidence-from-manifests.ts';
import { calledNumber, explainCall, inboundRequest, type CallFacts } from '../explain/explain-call.ts';
import type { RouteEvidence } from '../explain/route-evidence.ts';
import { clusterClient } from '../kube/cluster-client.ts';
import { operatorImages } from '../render/operator-images.ts';
import { routeInbound } from '../../sip-workers/src/router/inbound/route-inbound.ts';
import { exitCodes, parseCommandArgs, requireString, UsageError, write, type Command, type CommandIO } from '../terminal/command.ts';

const help = `Usage: switchyard explain-route --carrier C --from IP --to NUMBER [--domain D]
                              [--dir DIR | --kubeconfig K] [--namespace N]

Says what carrier C's SIP workers would do with an INVITE from IP whose Request-URI user is NUMBER
(and host D, for a call to a SIP domain): which InboundTrunk admits it, how the number is
normalised, which PhoneNumber, Account and voice webhook it reaches, or the SIP status it is
rejected with and why. The decision is the SIP worker's own inbound router over the carrier's
routing generation, so it is what a worker serving that generation does.

When nothing matches, explain-route also looks for what would have: an InboundTrunk listing the
address that is out of routing (in Conflict with an older trunk whose range overlaps, or with a
missing reference) or belongs to another carrier, a PhoneNumber with the number that is out of
routing or on another carrier, and gives their conditions.

Where the routing comes from:
  --dir DIR            Compile the manifests in DIR offline, as switchyard render does.
  --kubeconfig K       Read the carrier's routing ConfigMaps (manifest and shards) and worker
                       Secret from the cluster, as a worker does. Without --dir this is the
                       default, with $KUBECONFIG or ~/.kube/config.

Options:
  --carrier C          The Carrier whose SIP workers receive the call. Required.
  --from IP            Source address of the INVITE (IPv4 or IPv6). Required.
  --to NUMBER          Request-URI user part: a number as the carrier sends it (+85512345678,
                       012345678, 9999012345678) or a SIP domain user. Required.
  --domain D           Request-URI host: a call to a SIP domain (e.g.
                       kampot.sip-ap.switchyard.mekong-telecom.example). Without it, a trunk call.
                       A challenged domain call is also followed as if digest succeeded.
  -n, --namespace N    The carrier's namespace (default: "default"; with --dir, the namespace of
                       the Carrier in DIR, and of objects there that name none).
  -h, --help           This help.

Exit codes: 0 the call reaches a webhook (for a domain call: once authenticated), 1 it is rejected,
2 error. Auth tokens are never printed.

Examples:
  switchyard explain-route --dir examples/ --carrier mekong-telecom --from 203.0.113.70 --to 012345678
  switchyard explain-route --carrier mekong-telecom -n telco --from 198.18.0.1 --to +85523900100
`;

function parse(args: string[]) {
  const { values, positionals } = parseCommandArgs(args, {
    carrier: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, domain: { type: 'string' },
    dir: { type: 'string' }, kubeconfig: { type: 'string' }, namespace: { type: 'string', short: 'n' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (values.dir !== undefined && values.kubeconfig !== undefined) throw new UsageError('give --dir or --kubeconfig, not both');
  const from = requireString(values.from, '--from');
  if (!parseAddress(from)) throw new UsageError(`--from "${from}" is not an IPv4 or IPv6 address`);
  const call: CallFacts = { carrier: requireString(values.carrier, '--carrier'), from, to: requireString(values.to, '--to'), ...(values.domain ? { domain: values.domain } : {}) };
  return { call, dir: values.dir, kubeconfig: values.kubeconfig, namespace: values.namespace };
}

async function evidenceFor(options: ReturnType<typeof parse>, io: CommandIO): Promise<RouteEvidence> {
  if (options.dir !== undefined) {
    const evidence = await evidenceFromManifests({ dir: options.dir, carrier: options.call.carrier, namespace: options.namespace, images: operatorImages(io.env), now: new Date() });
    for (const warning of evidence.warnings) await write(io.stderr, `warning: ${warning}\n`);
    return evidence;
  }
  const client = await clusterClient({ kubeconfig: options.kubeconfig, env: io.env });
  return evidenceFromCluster(client, options.namespace ?? 'default', options.call.carrier);
}

async function run(args: string[], io: CommandIO): Promise<number> {
  const options = parse(args);
  const evidence = await evidenceFor(options, io);
  const { call } = options;
  // The numbers' objects are looked at only when the number is not routed (in a cluster it is a scan).
  const decision = routeInbound(inboundRequest(call), evidence.view);
  const number = decision.kind === 'reject' && decision.status === 404 ? calledNumber(call, evidence.view) : undefined;
  const claims = number === undefined ? undefined : await evidence.numbersClaiming(number);
  const explanation = explainCall(call, evidence.view, { namespace: evidence.namespace, trunks: evidence.trunks, ...(claims ? { claims } : {}) });
  await write(io.stdout, `${explanation.lines.join('\n')}\n`);
  return explanation.routed ? exitCodes.ok : exitCodes.negative;
}

export const explainRoute: Command = {
  name: 'explain-route',
  summary: 'Say which trunk, number, account and webhook an inbound call would hit, or why none.',
  help,
  run,
};

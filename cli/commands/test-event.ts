// switchyard test-event: POSTs a sample phone_call.completed event to a Carrier's event webhook,
// signed as the SIP workers sign them, so a carrier can try its receiver before a call is made.
import { randomUUID } from 'node:crypto';
import { ApiError, type ApiClient } from '../../api/kube/client.ts';
import { objectPath } from '../../operator/src/kube/resources.ts';
import { names } from '../../operator/src/compile/names.ts';
import { signingSecretField } from '../../operator/src/compile/event-webhook-secret.ts';
import { eventHeaders, signedToken } from '../../sip-workers/src/carrier-events/event-delivery.ts';
import { phoneCallCompletedEvent } from '../../sip-workers/src/carrier-events/phone-call-event.ts';
import { httpExchange, type HttpExchangeResult } from '../../sip-workers/src/webhook/http-exchange.ts';
import { clusterClient } from '../kube/cluster-client.ts';
import { CommandError, exitCodes, parseCommandArgs, requireString, UsageError, type Command, type CommandIO } from '../terminal/command.ts';

/** On the test event's request, so a receiver can keep it out of its records. */
export const testEventHeader = 'x-switchyard-test-event';

const help = `Usage: switchyard test-event --carrier NAMESPACE/NAME [--kubeconfig K] [--timeout SECONDS]

POSTs a sample phone_call.completed event to the Carrier's spec.eventWebhook.url, signed exactly
as the SIP workers sign the events of calls (Authorization: Bearer, an HS256 JWT with the signing
secret in the Secret <carrier>-event-webhook), and prints what the receiver answered. The request
also carries "X-Switchyard-Test-Event: 1" and a call SID of zeros, so the receiver can tell it from
a real call.

Options:
  --carrier NS/NAME  The Carrier, by namespace and name.
  --kubeconfig K     Kubeconfig (default: $KUBECONFIG, then ~/.kube/config).
  --timeout SECONDS  How long to wait for the receiver's answer (default 10).
  -h, --help         This help.

Exit codes: 0 the receiver took it (2xx), 1 it answered otherwise or not at all, 2 error.
`;

async function readObject<T>(client: ApiClient, kind: string, namespace: string, name: string, absent: string): Promise<T> {
  try {
    return await client.request<T>('GET', objectPath(kind, namespace, name));
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) throw new CommandError(absent);
    throw error;
  }
}

/** The sample call: answered for 42 s, from a trunk, to a number through a trunk. */
function sampleEvent(now: number) {
  const endedAt = now - 1000;
  return phoneCallCompletedEvent({
    callSid: `CA${'0'.repeat(32)}`,
    accountSid: `AC${'0'.repeat(32)}`,
    from: '+85512000111',
    to: '+85523900100',
    origin: { kind: 'trunk', inboundTrunk: 'test-event' },
    status: 'completed',
    sipResponseCode: 200,
    startedAt: endedAt - 45_000,
    answeredAt: endedAt - 42_000,
    endedAt,
    connected: { kind: 'trunk', trunk: 'test-event', number: '+85597000111' },
    hangupBy: 'caller',
  }, randomUUID(), now);
}

/** The Carrier's webhook URL and signing secret, or an error that says which is missing. */
async function carrierWebhook(client: ApiClient, namespace: string, name: string): Promise<{ url: string; signingSecret: string }> {
  const carrier = await readObject<{ spec?: { eventWebhook?: { url?: string } } }>(client, 'Carrier', namespace, name, `Carrier ${namespace}/${name} does not exist`);
  const url = carrier.spec?.eventWebhook?.url;
  if (url === undefined) throw new CommandError(`Carrier ${namespace}/${name} sets no spec.eventWebhook`);
  const secretName = names.eventWebhookSecret(name);
  const secret = await readObject<{ data?: Record<string, string> }>(client, 'Secret', namespace, secretName, `Secret ${namespace}/${secretName} does not exist yet: the operator creates it once it has reconciled the Carrier`);
  const encoded = secret.data?.[signingSecretField];
  if (encoded === undefined) throw new CommandError(`Secret ${namespace}/${secretName} has no "${signingSecretField}" entry`);
  return { url, signingSecret: Buffer.from(encoded, 'base64').toString() };
}

/** What the receiver did with the event, for a person; the exit code says whether it took it. */
function report(io: CommandIO, url: string, eventId: string, result: HttpExchangeResult, took: string, timeoutSeconds: number): number {
  if (result.kind === 'response') {
    const ok = result.status >= 200 && result.status < 300;
    const answer = result.body.trim().slice(0, 300);
    io.stdout.write(`POST ${url}: HTTP ${result.status} in ${took}${answer === '' ? '' : `: ${answer}`}\n`);
    io.stdout.write(ok ? `The receiver took event ${eventId}.\n` : 'The receiver refused it; a call\'s event would be refused the same way (a 4xx other than 408 and 429 is never retried).\n');
    return ok ? exitCodes.ok : exitCodes.negative;
  }
  const why = result.kind === 'error' ? result.error.message : result.kind === 'too-large' ? 'the answer was over 4 KiB' : `no answer in ${timeoutSeconds} s`;
  io.stdout.write(`POST ${url}: ${why} (${took}).\n`);
  return exitCodes.negative;
}

async function run(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { carrier: { type: 'string' }, kubeconfig: { type: 'string' }, timeout: { type: 'string' } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const [namespace, name, ...rest] = requireString(values.carrier, '--carrier').split('/');
  if (!namespace || !name || rest.length > 0) throw new UsageError('--carrier must be NAMESPACE/NAME');
  const timeoutSeconds = Number(values.timeout ?? 10);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0 || timeoutSeconds > 300) throw new UsageError('--timeout must be a number of seconds from 0 to 300');
  const { url, signingSecret } = await carrierWebhook(await clusterClient({ kubeconfig: values.kubeconfig, env: io.env }), namespace, name);
  const now = Date.now();
  const event = sampleEvent(now);
  const result = await httpExchange({
    url: new URL(url),
    method: 'POST',
    headers: { ...eventHeaders(signedToken(signingSecret, now)), [testEventHeader]: '1' },
    body: event.body,
    timeoutMs: timeoutSeconds * 1000,
    maxBodyBytes: 4096,
    responseBody: 'read-always',
  });
  return report(io, url, event.id, result, `${Date.now() - now} ms`, timeoutSeconds);
}

export const testEvent: Command = {
  name: 'test-event',
  summary: 'POST a sample call event, signed as the workers sign them, to a Carrier\'s event webhook.',
  help,
  run,
};

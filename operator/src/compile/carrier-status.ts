import { conditionsFor, type ConditionInput } from './conditions.ts';
import { countryNumbering } from './country.ts';
import { eventWebhookCondition } from './event-webhook-condition.ts';
import { names } from './names.ts';
import type { CarrierObject, ServiceAddress, WorkerReport } from './observed.ts';
import type { StatusUpdate } from './result.ts';

export interface CarrierMembers {
  accounts: number;
  phoneNumbers: number;
  inboundTrunks: number;
  outboundTrunks: number;
  sipDomains: number;
}

/** Programmed is True only when every ready worker serves the generation just compiled. */
function programmed(generation: string, workers: WorkerReport[]): ConditionInput {
  const ready = workers.filter((worker) => worker.ready);
  const behind = ready.filter((worker) => worker.routingGeneration !== generation);
  if (ready.length === 0) return { type: 'Programmed', status: 'False', reason: 'NoReadyWorkers', message: `No SIP worker is ready yet to serve routing generation ${generation}.` };
  if (behind.length > 0) {
    const list = behind.slice(0, 5).map((worker) => `${worker.pod} (${worker.routingGeneration ?? 'none'})`).join(', ');
    return { type: 'Programmed', status: 'False', reason: 'WorkersBehind', message: `${behind.length} of ${ready.length} ready workers do not serve generation ${generation} yet: ${list}.` };
  }
  return { type: 'Programmed', status: 'True', reason: 'Programmed', message: `All ${ready.length} ready workers serve routing generation ${generation}.` };
}

/** `push` is the PushCredentialsValid condition (push-credentials.ts), absent without spec.push. */
export function carrierStatus(carrier: CarrierObject, generation: string, members: CarrierMembers, workers: WorkerReport[], credentials: { push?: ConditionInput; sipTls?: ConditionInput }, now: Date, addresses: readonly ServiceAddress[] = []): StatusUpdate['status'] {
  const knownCountry = countryNumbering(carrier.spec.country).callingCode !== '';
  const accepted: ConditionInput = knownCountry
    ? { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'The spec is valid.' }
    : { type: 'Accepted', status: 'False', reason: 'UnknownCountry', message: `Country ${carrier.spec.country} has no known calling code, so national numbers cannot be turned into E.164.` };
  const ready: ConditionInput = knownCountry
    ? { type: 'Ready', status: 'True', reason: 'RoutingPublished', message: `Routing generation ${generation} is published: ${members.phoneNumbers} numbers, ${members.accounts} accounts, ${members.inboundTrunks} inbound and ${members.outboundTrunks} outbound trunks, ${members.sipDomains} SIP domains.` }
    : { type: 'Ready', status: 'False', reason: accepted.reason, message: accepted.message };
  const { push, sipTls } = credentials;
  const events = eventWebhookCondition(carrier, workers);
  const inputs = [accepted, programmed(generation, workers), ...(push ? [push] : []), ...(sipTls ? [sipTls] : []), ...(events ? [events] : []), ready];
  const readyWorkers = workers.filter((worker) => worker.ready);
  return {
    observedGeneration: carrier.metadata.generation ?? 0,
    conditions: conditionsFor(inputs, carrier.status?.conditions, carrier.metadata.generation, now),
    routingGeneration: generation,
    workers: { ready: readyWorkers.length, programmed: readyWorkers.filter((worker) => worker.routingGeneration === generation).length },
    counts: { ...members },
    sipService: names.sipService(carrier.metadata.name),
    ...(carrier.spec.eventWebhook ? { eventWebhookSigningSecret: names.eventWebhookSecret(carrier.metadata.name) } : {}),
    ...(addresses.length > 0 ? { addresses: [...addresses] } : {}),
  };
}

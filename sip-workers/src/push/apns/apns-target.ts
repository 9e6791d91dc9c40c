// RFC 8599 §13 for APNs: pn-prid is the device token, pn-param is `<Team ID>.<topic>` (the topic
// being the bundle ID and a service, `.voip` for PushKit). Linphone also registers several
// services at once (`pn-prid=T1:remote&T2:voip;pn-param=TEAM.bundle.remote&voip`); the token
// for the Carrier's topic is the one taken.
import type { GatewayOutcome } from '../gateway-outcome.ts';

export interface ApnsApp {
  teamID: string;
  topic: string;
}

const deviceToken = /^[0-9a-fA-F]{16,200}$/;

function paramNamesTopic(param: string, app: ApnsApp): boolean {
  if (!param.startsWith(`${app.teamID}.`)) return false;
  const rest = param.slice(app.teamID.length + 1);
  if (rest === app.topic) return true;
  const dot = rest.lastIndexOf('.');
  const bundle = rest.slice(0, dot);
  return dot > 0 && rest.slice(dot + 1).split('&').some((service) => `${bundle}.${service}` === app.topic);
}

function tokenForTopic(prid: string, topic: string): string | undefined {
  if (!prid.includes(':')) return prid;
  const service = topic.slice(topic.lastIndexOf('.') + 1);
  const labelled = prid.split('&').map((entry) => entry.split(':'));
  return labelled.find(([, label]) => label === service)?.[0];
}

/** The device token to push to, or the outcome that makes a request to Apple pointless. */
export function apnsTarget(prid: string, param: string | undefined, app: ApnsApp): { deviceToken: string } | { refused: GatewayOutcome } {
  if (param !== undefined && !paramNamesTopic(param, app)) {
    return { refused: { kind: 'rejected', reason: 'ParamMismatch' } };
  }
  const token = tokenForTopic(prid, app.topic);
  if (token === undefined || !deviceToken.test(token)) return { refused: { kind: 'unregistered', reason: 'BadDeviceToken' } };
  return { deviceToken: token.toLowerCase() };
}

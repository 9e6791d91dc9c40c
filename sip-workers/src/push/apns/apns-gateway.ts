// APNs as a push gateway: RFC 8599 parameters to a device token, the call to a VoIP payload.
import { randomUUID } from 'node:crypto';
import type { PushGateway } from '../push-gateway.ts';
import { wakeUpData, type PushRequest } from '../push-request.ts';
import type { ApnsClient } from './apns-client.ts';
import { apnsTarget, type ApnsApp } from './apns-target.ts';

export function apnsGateway(client: ApnsClient, app: ApnsApp, carrier: string, now: () => number): PushGateway {
  return {
    prepare(request: PushRequest, ttlSeconds: number) {
      const target = apnsTarget(request.prid, request.param, app);
      if ('refused' in target) return target;
      const notification = {
        deviceToken: target.deviceToken,
        apnsId: randomUUID(),
        expiresAtSeconds: Math.floor(now() / 1000) + ttlSeconds,
        payload: wakeUpData(request, carrier),
      };
      return { attempt: () => client.send(notification) };
    },
    close: () => client.close(),
  };
}

// FCM as a push gateway. pn-param is not checked here: a registration token belongs to one
// Firebase project, and FCM answers SENDER_ID_MISMATCH for another's (apps send the project
// number there, which the Carrier's project ID cannot be compared with).
import type { Agent } from 'node:https';
import type { PushGateway } from '../push-gateway.ts';
import { wakeUpData, type PushRequest } from '../push-request.ts';
import type { FcmClient } from './fcm-client.ts';

export function fcmGateway(client: FcmClient, agent: Agent, carrier: string): PushGateway {
  return {
    prepare(request: PushRequest, ttlSeconds: number) {
      const message = { token: request.prid, data: wakeUpData(request, carrier), ttlSeconds };
      return { attempt: () => client.send(message) };
    },
    close: () => {
      agent.destroy();
      return Promise.resolve();
    },
  };
}

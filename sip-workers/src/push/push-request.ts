// What a SIP worker sends to wake a phone: the callee's RFC 8599 push parameters from its
// REGISTER Contact (pn-provider, pn-prid, pn-param) and the call they are woken for. Parsed here,
// at the boundary; the rest of the service works with the typed value.
import { z } from 'zod';

const providers = ['apns', 'fcm'] as const;

/** The push services (RFC 8599 pn-provider values) a push service can wake phones through. */
export const PUSH_PROVIDERS: ReadonlySet<string> = new Set(providers);

export const pushRequest = z.object({
  callId: z.string().min(1).max(128).describe('The call this push is for (its Call SID), the same on every retry: one push per call and device.'),
  provider: z.enum(providers).describe('pn-provider.'),
  prid: z.string().min(1).max(4096).describe('pn-prid: the APNs device token or the FCM registration token.'),
  param: z.string().min(1).max(512).optional().describe('pn-param: for APNs `<Team ID>.<topic>`, checked against the Carrier\'s; for FCM the project, which FCM itself checks.'),
  from: z.string().max(256).optional().describe('The caller, as the app should show it (number or SIP URI).'),
  displayName: z.string().max(128).optional(),
  to: z.string().max(256).optional().describe('The number or address that was called.'),
  carrier: z.string().max(253).optional().describe('The Carrier the worker serves; a push service of another Carrier refuses the request.'),
  ttlSeconds: z.number().int().min(1).max(300).optional().describe('How long the gateway may hold the push: the worker\'s wait for the phone to register.'),
});

export type PushRequest = z.output<typeof pushRequest>;

/** What the woken app receives (APNs payload, FCM data): strings only, as FCM requires. */
export function wakeUpData(request: PushRequest, carrier: string): Record<string, string> {
  return {
    type: 'incoming-call',
    callId: request.callId,
    carrier,
    ...(request.from === undefined ? {} : { from: request.from }),
    ...(request.displayName === undefined ? {} : { displayName: request.displayName }),
    ...(request.to === undefined ? {} : { to: request.to }),
  };
}

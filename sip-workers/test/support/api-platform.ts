// The objects a call through a worker reading routing from the API needs besides the Carrier: an
// Account, an InboundTrunk from 127.0.0.1 (where SIPp calls from) and a PhoneNumber of the
// Account's, as YAML for kubectl.
export interface CallablePlatform {
  carrier: string;
  account: string;
  trunk: string;
  /** The PhoneNumber object's name. */
  numberName: string;
  number: string;
  voiceURL: string;
}

export const callablePlatform = (p: CallablePlatform) => `
apiVersion: telecom.switchyard.dev/v1alpha1
kind: Account
metadata: { name: ${p.account} }
spec: { carrierRef: { name: ${p.carrier} }, displayName: ${p.account} }
---
apiVersion: telecom.switchyard.dev/v1alpha1
kind: InboundTrunk
metadata: { name: ${p.trunk} }
spec: { carrierRef: { name: ${p.carrier} }, sourceIPs: [127.0.0.1] }
---
apiVersion: telecom.switchyard.dev/v1alpha1
kind: PhoneNumber
metadata: { name: ${p.numberName} }
spec: { carrierRef: { name: ${p.carrier} }, number: "${p.number}", accountRef: { name: ${p.account} }, voiceURL: "${p.voiceURL}" }
`;

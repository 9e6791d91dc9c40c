export * from './meta.ts';
export * from './carrier.ts';
export * from './account.ts';
export * from './inbound-trunk.ts';
export * from './outbound-trunk.ts';
export * from './phone-number.ts';
export * from './sip-domain.ts';
export { allKinds } from './kinds.ts';

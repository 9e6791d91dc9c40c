import type { OutboundTrunkRoute } from '../../../../api/routing/schema.ts';

/** An enabled UDP trunk with the API's defaults; override what a test is about. */
export function outboundTrunk(name: string, overrides: Partial<OutboundTrunkRoute> = {}): OutboundTrunkRoute {
  return {
    name,
    enabled: true,
    host: `${name}.trunks.example`,
    port: 5060,
    transport: 'udp',
    dialString: { plusPrefix: false, prefix: '', nationalDialing: false, nationalPrefix: '0' },
    routePrefixes: [],
    priority: 10,
    weight: 100,
    stopFailoverCodes: [],
    hasCredentials: false,
    ...overrides,
  };
}

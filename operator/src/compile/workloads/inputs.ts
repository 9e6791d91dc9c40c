// What the workload builders read: the Carrier (spec with its schema defaults applied) and the
// operator's own release settings.
import type { z } from 'zod';
import type { carrierSpec } from '../../../../api/v1alpha1/carrier.ts';

export type CarrierSpec = z.output<typeof carrierSpec>;

export interface WorkloadInputs {
  carrier: { metadata: { name: string; namespace: string; uid: string; labels?: Record<string, string> }; spec: CarrierSpec };
  /** Images the operator was released with; used when the Carrier's spec names none. */
  images: { sipWorker: string; mediaRelay: string; pushService: string };
  /** Routing is published as ConfigMaps names.routingManifest(c) and names.routingShard(c, 0..n-1). */
  routingShardCount: number;
  /**
   * For status only. Deliberately never written into a pod template: workers reload routing live
   * from the API, so a routing change must not roll the SIP worker Deployment.
   */
  routingConfigChecksum: string;
  /** A digest of the push credential Secrets' keys (when push is configured and they exist); rolls the push service when a key is rotated. */
  pushCredentialsChecksum?: string;
}

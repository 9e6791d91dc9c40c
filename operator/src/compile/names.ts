// Names and labels of everything the operator creates for a Carrier. Workers, the CLI and the
// tests find objects through these functions, never by spelling a name themselves.
export const fieldManager = 'switchyard-operator';

export const names = {
  routingManifest: (carrier: string) => `${carrier}-routing`,
  routingShard: (carrier: string, index: number) => `${carrier}-routing-${index}`,
  workerSecrets: (carrier: string) => `${carrier}-worker-secrets`,
  authTokenSecret: (account: string) => `${account}-auth-token`,
  sipWorkerKey: (carrier: string) => `${carrier}-sip-worker-key`,
  eventWebhookSecret: (carrier: string) => `${carrier}-event-webhook`,
  sipWorkers: (carrier: string) => `${carrier}-sip-worker`,
  sipService: (carrier: string) => `${carrier}-sip`,
  restApiService: (carrier: string) => `${carrier}-api`,
  mediaRelay: (carrier: string) => `${carrier}-media-relay`,
  pushService: (carrier: string) => `${carrier}-push`,
};

export type Component = 'sip-worker' | 'media-relay' | 'push-service' | 'routing' | 'credentials';

export const carrierLabel = 'telecom.switchyard.dev/carrier';
export const componentLabel = 'app.kubernetes.io/component';
export const managedByLabel = 'app.kubernetes.io/managed-by';

/**
 * Labels on every owned object; selectors use only the stable subset (carrier + component).
 * `app.kubernetes.io/instance` is deliberately absent: Argo CD tracks its applications by it and
 * would prune objects the operator owns.
 */
export function labelsFor(carrier: string, component: Component, inherited: Record<string, string> = {}): Record<string, string> {
  return {
    ...inherited,
    'app.kubernetes.io/name': 'switchyard',
    [componentLabel]: component,
    [managedByLabel]: 'switchyard',
    [carrierLabel]: carrier,
  };
}

export function selectorFor(carrier: string, component: Component): Record<string, string> {
  return { [carrierLabel]: carrier, [componentLabel]: component };
}

// Labels GitOps tools use to track what they applied; copying them would make owned objects look
// like part of the user's Git repository (and get them pruned or flagged as drift).
const gitOpsLabel = /^(argocd\.argoproj\.io\/|[a-z.]*toolkit\.fluxcd\.io\/|app\.kubernetes\.io\/instance$|app\.kubernetes\.io\/managed-by$|helm\.sh\/chart$)/;

/** The Carrier's own labels that owned objects inherit (team, cost centre...), minus GitOps tracking. */
export function inheritedLabels(carrierLabels: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(carrierLabels ?? {}).filter(([key]) => !gitOpsLabel.test(key)));
}

// What one host needs beyond the generic translation, per workload. Each change is printed.
import type { ProcessPlan } from './local-process.ts';

export interface LaptopContext {
  /** The pod address this process stands in for. */
  podIP: string;
  /** A kubeconfig holding a token of the pod's ServiceAccount, when the pod mounts one. */
  serviceAccountKubeconfig: string | undefined;
}

function setEnv(plan: ProcessPlan, name: string, value: string, why: string): void {
  const before = plan.env.get(name);
  plan.env.set(name, value);
  plan.overrides.push(`env ${name}: ${before ?? '(unset)'} → ${value} (${why})`);
}

function mapArgs(plan: ProcessPlan, change: (arg: string) => string, why: string): void {
  plan.args = plan.args.map((arg) => {
    const changed = change(arg);
    if (changed !== arg) plan.overrides.push(`arg ${arg} → ${changed} (${why})`);
    return changed;
  });
}

/** The SIP worker binds 0.0.0.0 by default: in a pod that is the pod's address, on a laptop every interface. */
function sipWorker(plan: ProcessPlan, context: LaptopContext): void {
  setEnv(plan, 'SWITCHYARD_SIP_HOST', context.podIP, 'bind the pod address only, as in a pod');
  setEnv(plan, 'SWITCHYARD_HTTP_HOST', context.podIP, 'bind the pod address only, as in a pod');
  setEnv(plan, 'SWITCHYARD_API_HOST', context.podIP, 'bind the pod address only, as in a pod');
  if (context.serviceAccountKubeconfig) setEnv(plan, 'SWITCHYARD_KUBECONFIG', context.serviceAccountKubeconfig, 'the worker\'s setting for running outside a pod');
}

/** rtpengine: the image has no config file (the host's Debian sample would add its own ports), and SDP must carry a reachable address. */
function mediaRelay(plan: ProcessPlan): void {
  if (!plan.args.some((arg) => arg.startsWith('--config-file'))) {
    plan.args.push('--config-file=none');
    plan.overrides.push('arg --config-file=none added (the image has no /etc/rtpengine/rtpengine.conf; this host\'s must not be read)');
  }
  mapArgs(plan, (arg) => arg.replace(/^(--interface=[^!]+)!.*$/, '$1'), 'the Carrier\'s public IP is not this host: SDP advertises the local address');
}

export function applyLaptopOverrides(plan: ProcessPlan, context: LaptopContext): void {
  if (plan.problem) return;
  if (context.serviceAccountKubeconfig) {
    setEnv(plan, 'KUBECONFIG', context.serviceAccountKubeconfig, `token of ServiceAccount ${plan.serviceAccount} from the TokenRequest API, in place of the mounted one`);
  }
  if (plan.component === 'sip-worker') sipWorker(plan, context);
  if (plan.component === 'media-relay') mediaRelay(plan);
}

// The images the operator would put in the workloads: its own settings, read from the same
// environment variables with the same defaults (operator/src/config.ts).
import { operatorConfig } from '../../operator/src/config.ts';
import { CommandError } from '../terminal/command.ts';

export function operatorImages(env: NodeJS.ProcessEnv) {
  const parsed = operatorConfig.pick({ SWITCHYARD_SIP_WORKER_IMAGE: true, SWITCHYARD_MEDIA_RELAY_IMAGE: true, SWITCHYARD_PUSH_SERVICE_IMAGE: true }).safeParse(env);
  if (!parsed.success) throw new CommandError(`image settings: ${parsed.error.message}`);
  return { sipWorker: parsed.data.SWITCHYARD_SIP_WORKER_IMAGE, mediaRelay: parsed.data.SWITCHYARD_MEDIA_RELAY_IMAGE, pushService: parsed.data.SWITCHYARD_PUSH_SERVICE_IMAGE };
}

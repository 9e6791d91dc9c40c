// The SIP TLS certificate and key, read from files (a kubernetes.io/tls Secret mounted by the
// operator). cert-manager renews such a Secret before it expires and the kubelet rewrites the
// mounted files in place, so the worker reads them again every minute and, when they changed,
// hands the new pair to the TLS listener: new connections get the new certificate, open ones
// keep theirs, and no call is dropped for a renewal.
import { readFile } from 'node:fs/promises';
import type { TlsSettings } from '../sip/transport.ts';
import type { WorkerLogger } from './logger.ts';

export interface TlsFiles {
  port: number;
  certFile: string;
  keyFile: string;
  /** CAs for the certificates of trunks and URIs we connect to; absent: the system's. */
  caFile?: string;
}

/** The transport's TLS option, and the reloading to start once it listens; neither without TLS files. */
export async function loadTls(files: TlsFiles | undefined, log: WorkerLogger): Promise<{ transportOptions: { tls?: TlsSettings }; reloadInto(transport: { setTlsCredentials(c: { key: Buffer; cert: Buffer }): void }): () => void }> {
  if (files === undefined) return { transportOptions: {}, reloadInto: () => () => undefined };
  const settings = await readTlsSettings(files);
  return { transportOptions: { tls: settings }, reloadInto: (transport) => watchTlsCredentials(files, settings, (credentials) => transport.setTlsCredentials(credentials), log) };
}

export async function readTlsSettings(files: TlsFiles): Promise<TlsSettings> {
  const [cert, key, ca] = await Promise.all([readFile(files.certFile), readFile(files.keyFile), files.caFile === undefined ? undefined : readFile(files.caFile)]);
  return { port: files.port, cert, key, ...(ca === undefined ? {} : { ca }) };
}

/** Re-reads the pair every `intervalMs`; `apply` gets it when either file changed. Returns the stop function. */
export function watchTlsCredentials(files: TlsFiles, initial: TlsSettings, apply: (credentials: { key: Buffer; cert: Buffer }) => void, log: WorkerLogger, intervalMs = 60_000): () => void {
  let current = { key: Buffer.from(initial.key), cert: Buffer.from(initial.cert) };
  const timer = setInterval(() => {
    void Promise.all([readFile(files.certFile), readFile(files.keyFile)]).then(
      ([cert, key]) => {
        if (cert.equals(current.cert) && key.equals(current.key)) return;
        try {
          apply({ key, cert });
          current = { key, cert };
          log.info({ certFile: files.certFile }, 'SIP TLS certificate reloaded');
        } catch (err) {
          // A half-written pair (key and certificate not matching yet) is tried again next time.
          log.warn({ err, certFile: files.certFile }, 'SIP TLS certificate not reloaded');
        }
      },
      (err: unknown) => log.warn({ err, certFile: files.certFile }, 'SIP TLS certificate files unreadable; keeping the loaded pair'),
    );
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

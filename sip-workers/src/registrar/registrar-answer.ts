// What the registrar answers a REGISTER with: a status and reason phrase a phone's admin can
// read, the headers that go with it (Contact list, Min-Expires, WWW-Authenticate), and a longer
// detail for the log.
import type { HeaderField } from '../sip/message.ts';

export interface RegistrarAnswer {
  status: number;
  /** The reason phrase on the wire; the standard one when absent. */
  reason?: string;
  headers: HeaderField[];
  detail: string;
  /** Set when digest authentication failed, for the worker's digest failure metric. */
  digestFailure?: string;
}

export const refuse = (status: number, reason: string, detail: string, headers: HeaderField[] = []): RegistrarAnswer => ({ status, reason, headers, detail });

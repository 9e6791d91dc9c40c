// The demo customer's SIP endpoint: SIPp's built-in UAS (rings, answers with SDP, waits for the
// BYE) on 127.0.0.1. Its message trace shows every INVITE it answered.
export interface CalleeFiles {
  messages: string;
  errors: string;
}

export function calleeArgs(port: number, files: CalleeFiles): string[] {
  return ['-sn', 'uas', '-i', '127.0.0.1', '-p', String(port), '-nostdin', '-trace_msg', '-message_file', files.messages, '-trace_err', '-error_file', files.errors];
}

/** What the demo webhook dials for the object `name`. */
export const calleeURI = (name: string, port: number) => `sip:${name}@127.0.0.1:${port}`;

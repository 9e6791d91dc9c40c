#!/usr/bin/env node
// The switchyard CLI: a thin dispatcher. Each subcommand lives in cli/commands/ and is loaded only
// when asked for, so `switchyard zero-config-link` does not pay for loading the operator's compile.
import { CommandError, exitCodes, UsageError, type Command, type CommandIO } from './terminal/command.ts';

const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  'import-numbers': { summary: 'Turn a Somleng phone-number CSV into PhoneNumber manifests, or apply them.', load: async () => (await import('./commands/import-numbers.ts')).importNumbers },
  render: { summary: 'Print what the operator would write for a directory of manifests; --diff against a cluster.', load: async () => (await import('./commands/render.ts')).render },
  'explain-route': { summary: 'Say which trunk, number, account and webhook an inbound call would hit, or why none.', load: async () => (await import('./commands/explain-route.ts')).explainRoute },
  'digest-hashes': { summary: 'Compute a SIP credential\'s Hash1/Hash1b, or the Secret a hashesSecretRef names.', load: async () => (await import('./commands/digest-hashes.ts')).digestHashes },
  'test-event': { summary: 'POST a sample call event, signed as the workers sign them, to a Carrier\'s event webhook.', load: async () => (await import('./commands/test-event.ts')).testEvent },
  'zero-config-link': { summary: 'Make a sip:phone zero-config sipphone:// link from SIP credentials.', load: async () => (await import('./commands/zero-config-link.ts')).zeroConfigLink },
};

const overview = `Usage: switchyard <command> [options]

Commands:
${Object.entries(commands).map(([name, { summary }]) => `  ${name.padEnd(18)} ${summary}`).join('\n')}

Run 'switchyard <command> --help' for a command's options.
Exit codes: 0 done, 1 the answer is no (bad rows, a diff, a rejected call), 2 error.
`;

export async function main(argv: string[], io: CommandIO): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined) {
    io.stderr.write(overview);
    return exitCodes.error;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(overview);
    return exitCodes.ok;
  }
  const entry = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!entry) {
    io.stderr.write(`switchyard: unknown command "${name}"\n\n${overview}`);
    return exitCodes.error;
  }
  const command = await entry.load();
  try {
    if (args.includes('--help') || args.includes('-h')) {
      io.stdout.write(command.help);
      return exitCodes.ok;
    }
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`switchyard ${name}: ${error.message}\nRun 'switchyard ${name} --help' for usage.\n`);
      return exitCodes.error;
    }
    // A CommandError is expected (an unreadable file); anything else (an API error, a refused
    // connection) still gets one readable line rather than a stack trace, unless asked for.
    const detail = !(error instanceof CommandError) && io.env.SWITCHYARD_DEBUG ? `\n${(error as Error).stack ?? ''}` : '';
    io.stderr.write(`switchyard ${name}: ${error instanceof Error ? error.message : String(error)}${detail}\n`);
    return exitCodes.error;
  }
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2), {
    stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, stderrIsTTY: process.stderr.isTTY,
  });
}

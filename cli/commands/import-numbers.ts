// switchyard import-numbers: a Somleng phone-number CSV → PhoneNumber manifests on stdout, or
// server-side applied with --apply. Every row is checked before anything is written or applied.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { applyNumbers, cliFieldManager, preflight } from '../numbers/apply-numbers.ts';
import { phoneNumberYaml, type ImportTarget } from '../numbers/phone-number-manifest.ts';
import { SomlengCsv, type RowProblem } from '../numbers/somleng-csv.ts';
import { clusterClient } from '../kube/cluster-client.ts';
import { CommandError, exitCodes, parseCommandArgs, UsageError, write, type Command, type CommandIO } from '../terminal/command.ts';
import { objectNameOption } from '../terminal/object-name-option.ts';
import { ProgressBar } from '../terminal/progress.ts';

const help = `Usage: switchyard import-numbers FILE.csv --carrier C [--account A] [--namespace N] [--apply] [--kubeconfig K]

Turns a Somleng phone-number CSV into PhoneNumber manifests (multi-document YAML on stdout), or
with --apply server-side applies them (field manager "${cliFieldManager}").

The CSV is Somleng's bulk import format:
  Number,Enabled
  85512345678,true
  1234,false
Number: an E.164 number with or without its "+" (85512345678, +85512345678) or a short code.
  Digits alone of 3 to 8 are a short code (type shortCode); 9 to 15 digits are E.164 and get a "+".
  Write a shorter E.164 number with its "+". The API server's own rule decides what is valid.
Enabled: true or false in any case; empty, or no Enabled column, means true.
Each number becomes PhoneNumber pn-<digits> (pn-85512345678, pn-1234) of --carrier, assigned to
--account, or unassigned without it (in routing, but calls to it get 404 until it is assigned).

Every row is checked first: a bad number, a bad Enabled value, a number twice. If any row is bad,
each is printed to stderr as FILE:LINE: reason, nothing goes to stdout, nothing is applied, and
the exit code is 1.

Options:
  --carrier C          Carrier the numbers belong to (spec.carrierRef). Required.
  --account A          Account the numbers are assigned to (spec.accountRef). Without it they are
                       unassigned; with --apply that also unassigns numbers an earlier import
                       assigned (server-side apply drops what this field manager no longer sets).
  --namespace N        metadata.namespace of the manifests; with --apply the namespace to apply
                       into (default: "default"). Without it the manifests carry no namespace.
  --apply              Server-side apply to the cluster instead of printing YAML.
  --kubeconfig K       Kubeconfig for --apply (default: $KUBECONFIG, then ~/.kube/config).
  --force-conflicts    With --apply: take over fields another field manager owns (as kubectl's
                       --force-conflicts). Without it such a row fails with 409.
  --concurrency N      With --apply: requests in flight at once (default 32).
  -h, --help           This help.

A progress bar (rows validated and applied, rate, ETA) is drawn on stderr when it is a terminal.
Exit codes: 0 all rows written or applied, 1 bad rows or rows the API server refused, 2 error.

Examples:
  switchyard import-numbers numbers.csv --carrier mekong-telecom --account kampot-pepper > numbers.yaml
  switchyard import-numbers numbers.csv --carrier mekong-telecom --account kampot-pepper -n telco --apply
`;

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function parse(args: string[]) {
  const { values, positionals } = parseCommandArgs(args, {
    carrier: { type: 'string' }, account: { type: 'string' }, namespace: { type: 'string', short: 'n' },
    apply: { type: 'boolean' }, kubeconfig: { type: 'string' }, 'force-conflicts': { type: 'boolean' }, concurrency: { type: 'string' },
  });
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'FILE.csv is required' : `one FILE.csv expected, got ${positionals.length} arguments`);
  const namespace = values.namespace;
  if (namespace !== undefined && (!dnsLabel.test(namespace) || namespace.length > 63)) throw new UsageError(`--namespace "${namespace}" is not a valid namespace name`);
  const concurrency = Number(values.concurrency ?? '32');
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 512) throw new UsageError('--concurrency must be a whole number from 1 to 512');
  if (!values.apply && (values.kubeconfig !== undefined || values['force-conflicts'] || values.concurrency !== undefined)) throw new UsageError('--kubeconfig, --force-conflicts and --concurrency only go with --apply');
  const target: ImportTarget = {
    carrier: objectNameOption(values.carrier, '--carrier'),
    ...(values.account === undefined ? {} : { account: objectNameOption(values.account, '--account') }),
    ...(namespace ? { namespace } : {}),
  };
  return { file: positionals[0] as string, target, apply: values.apply === true, kubeconfig: values.kubeconfig, forceConflicts: values['force-conflicts'] === true, concurrency };
}

/** Reads and checks every line; the progress bar's total is estimated from the bytes read so far. */
async function readCsv(file: string, io: CommandIO): Promise<SomlengCsv> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (error) {
    throw new CommandError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const csv = new SomlengCsv();
  const progress = new ProgressBar(io.stderrIsTTY ? io.stderr : undefined, 'validated', 0);
  const input = createReadStream(file, { encoding: 'utf8' });
  let line = 0;
  let bytes = 0;
  try {
    for await (const text of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
      csv.add(text, ++line);
      bytes += text.length + 1;
      if ((line & 1023) === 0) progress.update(csv.rows.length, Math.round((csv.rows.length * size) / Math.max(bytes, 1)));
    }
  } catch (error) {
    throw new CommandError(`cannot read ${file}: ${(error as Error).message}`);
  }
  csv.finish(line);
  progress.update(csv.rows.length, csv.rows.length);
  progress.finish();
  return csv;
}

async function reportProblems(file: string, problems: readonly RowProblem[], io: CommandIO): Promise<void> {
  for (const problem of problems) await write(io.stderr, `${file}:${problem.line}: ${problem.reason}\n`);
}

async function printManifests(csv: SomlengCsv, target: ImportTarget, io: CommandIO): Promise<void> {
  const batch = 512;
  for (let start = 0; start < csv.rows.length; start += batch) {
    await write(io.stdout, csv.rows.slice(start, start + batch).map((row) => phoneNumberYaml(row, target)).join(''));
  }
}

async function run(args: string[], io: CommandIO): Promise<number> {
  const options = parse(args);
  const csv = await readCsv(options.file, io);
  if (csv.problems.length > 0) {
    await reportProblems(options.file, [...csv.problems].sort((a, b) => a.line - b.line), io);
    await write(io.stderr, `${options.file}: ${csv.problems.length} bad ${csv.problems.length === 1 ? 'row' : 'rows'}; nothing was ${options.apply ? 'applied' : 'written'}\n`);
    return exitCodes.negative;
  }
  if (csv.rows.length === 0) await write(io.stderr, `${options.file}: no rows after the header\n`);
  if (!options.apply) {
    await printManifests(csv, options.target, io);
    return exitCodes.ok;
  }

  const namespace = options.target.namespace ?? 'default';
  const client = await clusterClient({ kubeconfig: options.kubeconfig, env: io.env, qps: 1000, maxConnections: options.concurrency });
  await preflight(client, namespace);
  const progress = new ProgressBar(io.stderrIsTTY ? io.stderr : undefined, 'applied', csv.rows.length);
  const started = performance.now();
  const outcome = await applyNumbers(csv.rows, {
    client, target: { ...options.target, namespace }, forceConflicts: options.forceConflicts, concurrency: options.concurrency,
    onApplied: (done) => progress.update(done),
  });
  progress.finish();
  await reportProblems(options.file, outcome.failures, io);
  const seconds = (performance.now() - started) / 1000;
  await write(io.stderr, `applied ${outcome.applied} of ${csv.rows.length} PhoneNumbers to namespace ${namespace} in ${seconds.toFixed(1)} s (field manager ${cliFieldManager})\n`);
  if (outcome.stopped) throw new CommandError(`stopped after ${outcome.applied} PhoneNumbers: ${outcome.stopped}`);
  return outcome.failures.length > 0 ? exitCodes.negative : exitCodes.ok;
}

export const importNumbers: Command = {
  name: 'import-numbers',
  summary: 'Turn a Somleng phone-number CSV into PhoneNumber manifests, or apply them.',
  help,
  run,
};

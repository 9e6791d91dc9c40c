// Somleng's bulk phone-number import format (header `Number,Enabled`), checked row by row. Every
// problem is collected with its line number rather than stopping at the first, so a carrier fixes
// the whole file in one go; nothing is written or applied unless every row is good.
import { csvFields } from './csv-line.ts';
import { csvEnabled, csvNumber, phoneNumberName } from './csv-number.ts';

export interface NumberRow {
  line: number;
  /** As spec.number takes it: "+" E.164 or a short code. */
  number: string;
  shortCode: boolean;
  enabled: boolean;
  /** The PhoneNumber's object name. */
  name: string;
}

export interface RowProblem {
  line: number;
  reason: string;
}

const knownColumns = ['number', 'enabled'] as const;
type Column = (typeof knownColumns)[number];

export class SomlengCsv {
  readonly rows: NumberRow[] = [];
  readonly problems: RowProblem[] = [];
  private columns: Map<Column, number> | undefined;
  private headerWidth = 0;
  private readonly byName = new Map<string, NumberRow>();

  get sawHeader(): boolean {
    return this.columns !== undefined;
  }

  /** One physical line of the file (1-based `line`); the first non-blank one is the header. */
  add(text: string, line: number): void {
    const content = line === 1 ? text.replace(/^\uFEFF/, '') : text;
    if (content.trim() === '') return;
    if (this.columns) this.row(content, line);
    else this.header(content, line);
  }

  /** Problems of the file as a whole, once every line is in. */
  finish(lastLine: number): void {
    if (!this.columns) {
      this.problems.push({ line: Math.max(1, lastLine), reason: 'the file has no header line; expected "Number,Enabled"' });
    }
  }

  private header(text: string, line: number): void {
    const parsed = csvFields(text);
    if ('problem' in parsed) {
      this.problems.push({ line, reason: `header: ${parsed.problem}` });
      this.columns = new Map();
      return;
    }
    const columns = new Map<Column, number>();
    parsed.fields.forEach((field, index) => {
      const name = field.trim().toLowerCase();
      const known = knownColumns.find((column) => column === name);
      if (!known) this.problems.push({ line, reason: `header: unknown column "${field.trim()}"; Somleng's columns are Number and Enabled` });
      else if (columns.has(known)) this.problems.push({ line, reason: `header: column "${field.trim()}" appears twice` });
      else columns.set(known, index);
    });
    if (!columns.has('number')) this.problems.push({ line, reason: 'header: no Number column; expected "Number,Enabled"' });
    this.columns = columns;
    this.headerWidth = parsed.fields.length;
  }

  private row(text: string, line: number): void {
    const columns = this.columns;
    const numberColumn = columns?.get('number');
    if (!columns || numberColumn === undefined) return;
    const parsed = csvFields(text);
    if ('problem' in parsed) {
      this.problems.push({ line, reason: parsed.problem });
      return;
    }
    if (parsed.fields.length > this.headerWidth) {
      this.problems.push({ line, reason: `${parsed.fields.length} fields, but the header names ${this.headerWidth}` });
      return;
    }
    const number = csvNumber(parsed.fields[numberColumn] ?? '');
    const enabledColumn = columns.get('enabled');
    const enabled = csvEnabled(enabledColumn === undefined ? undefined : parsed.fields[enabledColumn]);
    const reasons = [number, enabled].flatMap((result) => ('problem' in result ? [result.problem] : []));
    if ('problem' in number || 'problem' in enabled) {
      this.problems.push({ line, reason: reasons.join('; ') });
      return;
    }
    const row: NumberRow = { line, number: number.number, shortCode: number.shortCode, enabled: enabled.enabled, name: phoneNumberName(number.number) };
    const first = this.byName.get(row.name);
    if (first) {
      this.problems.push({
        line,
        reason: first.number === row.number
          ? `duplicate number ${row.number}, first on line ${first.line}`
          : `${row.number} would be PhoneNumber ${row.name}, which line ${first.line} (${first.number}) already names`,
      });
      return;
    }
    this.byName.set(row.name, row);
    this.rows.push(row);
  }
}

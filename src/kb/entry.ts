/**
 * The KB entry format shared by the seed files in config/kb/, the importer and the store:
 * a zod schema, the parsed `KbEntry` type and an all-or-nothing loader whose errors name the
 * file, the entry (index and id) and the field.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { AppError } from '../core/errors.ts';
import { KB_COLUMNS, KB_STATUSES, type KbColumn, type KbStatus } from '../core/kb-vocabulary.ts';

export { KB_COLUMNS, KB_STATUSES, type KbColumn, type KbStatus } from '../core/kb-vocabulary.ts';

/** The five service items plus `general` (KB entries that belong to no single item). */
export const KB_ITEMS = [
  'preparation-registration',
  'drug-production-license',
  'device-registration',
  'device-production-license',
  'cosmetics-production-license',
  'general',
] as const;
export type KbItem = (typeof KB_ITEMS)[number];

export const KB_DEPARTMENTS = [
  'drug-reg',
  'drug-sup',
  'device-reg',
  'device-sup',
  'cosmetics-sup',
  'legal',
  'general-office',
  'service-center',
] as const;


/** One knowledge-base entry (知识库条目) after validation; `item` is always resolved. */
export interface KbEntry {
  id: string;
  column: KbColumn;
  item: KbItem;
  title: string;
  questions: string[];
  answer: string;
  keywords: string[];
  source: string;
  sourceUrl?: string;
  effectiveDate?: string;
  publishDate?: string;
  status: KbStatus;
  maintainer: string;
  /** True when a fact is not verified: the bot must hand off instead of answering as certain. */
  needsConfirmation: boolean;
  facts: string[];
}

/** One problem found while validating KB input; `field` is relative to the entry. */
export interface KbIssue {
  file: string;
  index?: number;
  id?: string;
  field?: string;
  message: string;
}

const ID_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;

/** zod error text: "is required" when the field is missing, else `expected …`. */
function expected(what: string) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : `expected ${what}`);
}

function oneOf<T extends readonly [string, ...string[]]>(values: T, what: string) {
  return z
    .string({ error: expected(`a ${what}`) })
    .refine((v): v is T[number] => (values as readonly string[]).includes(v), {
      error: (issue) =>
        `unknown ${what} ${JSON.stringify(issue.input)} (expected one of ${values.join(', ')})`,
    });
}

function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

// YAML reads an unquoted 12345 or 110 as a number; a number where text is expected is taken as its digits.
const text = (what: string) =>
  z
    .union([z.string(), z.number()], { error: expected(`${what} as text`) })
    .transform(String)
    .pipe(
      z
        .string()
        .trim()
        .min(1, { error: `${what} must not be empty` }),
    );
const textList = (what: string) => z.array(text(what), { error: expected(`a list of ${what}`) }).default([]);
const isoDate = z.string({ error: expected('a date YYYY-MM-DD') }).refine(isCalendarDate, {
  error: (issue) => `expected a date YYYY-MM-DD, got ${JSON.stringify(issue.input)}`,
});

/** Schema of one entry as written in a file (`item` optional: the file's item is the default). */
export const kbEntryInputSchema = z.strictObject({
  id: z
    .string({ error: expected('an id') })
    .regex(ID_PATTERN, { error: 'id must be lower-case letters, digits, ".", "_" or "-"' })
    .max(120, { error: 'id must be at most 120 characters' }),
  column: oneOf(KB_COLUMNS, 'column'),
  item: oneOf(KB_ITEMS, 'service item').optional(),
  title: text('title'),
  questions: textList('question'),
  answer: text('answer'),
  keywords: textList('keyword'),
  source: text('source'),
  sourceUrl: z.url({ error: 'expected an http(s) URL', protocol: /^https?$/ }).optional(),
  effectiveDate: isoDate.optional(),
  publishDate: isoDate.optional(),
  status: oneOf(KB_STATUSES, 'status').default('published'),
  maintainer: oneOf(KB_DEPARTMENTS, 'department'),
  needsConfirmation: z.boolean({ error: expected('true or false') }).default(false),
  facts: textList('fact id'),
});

const kbFileHeadSchema = z.object({
  item: oneOf(KB_ITEMS, 'service item'),
  entries: z.array(z.unknown(), { error: expected('a list of entries') }),
});

function issuePath(segments: readonly PropertyKey[]): string {
  return segments
    .map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? String(s) : `.${String(s)}`))
    .join('');
}

/** `config/kb/x.yaml: entries[3].column: unknown column "FAQ" (entry device-registration.x)` */
export function formatKbIssue(issue: KbIssue): string {
  const where =
    issue.index === undefined ? '' : `entries[${issue.index}]${issue.field ? `.${issue.field}` : ''}: `;
  const top = issue.index === undefined && issue.field ? `${issue.field}: ` : '';
  const entry = issue.id ? ` (entry ${issue.id})` : '';
  return `${issue.file}: ${where}${top}${issue.message}${entry}`;
}

function validationError(issues: KbIssue[]): AppError {
  const shown = issues.slice(0, 20).map(formatKbIssue);
  const more = issues.length > shown.length ? `\n… and ${issues.length - shown.length} more` : '';
  return new AppError(
    'validation_failed',
    `invalid KB input (${issues.length} problem(s)):\n${shown.join('\n')}${more}`,
    {
      details: { errors: issues },
    },
  );
}

/**
 * Validates already-parsed data (`{ item, entries: [...] }`) from `fileName`. Returns the entries and
 * the problems found; callers decide whether problems are fatal (they always are for loaders here).
 */
export function validateKbDocument(
  data: unknown,
  fileName: string,
): { entries: KbEntry[]; issues: KbIssue[]; ids: EntryId[] } {
  const head = kbFileHeadSchema.safeParse(data);
  if (!head.success) {
    const issues = head.error.issues.map((i) => ({
      file: fileName,
      field: issuePath(i.path) || undefined,
      message: i.message,
    }));
    return { entries: [], issues, ids: [] };
  }
  const entries: KbEntry[] = [];
  const issues: KbIssue[] = [];
  const ids: EntryId[] = [];
  head.data.entries.forEach((raw, index) => {
    const rawId =
      typeof raw === 'object' && raw !== null && 'id' in raw && typeof raw.id === 'string'
        ? raw.id
        : undefined;
    if (rawId !== undefined) ids.push({ index, id: rawId });
    const parsed = kbEntryInputSchema.safeParse(raw);
    if (!parsed.success) {
      for (const i of parsed.error.issues) {
        const field = issuePath(i.path);
        const message =
          i.code === 'unrecognized_keys'
            ? `unknown field(s) ${i.keys.map((k) => JSON.stringify(k)).join(', ')}`
            : i.message;
        issues.push({ file: fileName, index, id: rawId, field: field || undefined, message });
      }
      return;
    }
    const { item, sourceUrl, effectiveDate, publishDate, ...rest } = parsed.data;
    const entry: KbEntry = { ...rest, item: item ?? head.data.item };
    if (sourceUrl !== undefined) entry.sourceUrl = sourceUrl;
    if (effectiveDate !== undefined) entry.effectiveDate = effectiveDate;
    if (publishDate !== undefined) entry.publishDate = publishDate;
    entries.push(entry);
  });
  return { entries, issues, ids };
}

/** The id written at one position of a file (valid entry or not), for duplicate checks. */
export interface EntryId {
  index: number;
  id: string;
}

/** Parses one YAML or JSON KB file (by extension; `.json` is JSON, anything else YAML). Throws on any problem. */
export function parseKbFile(textContent: string, fileName: string): KbEntry[] {
  const { entries, issues, ids } = parseKbText(textContent, fileName);
  issues.push(...duplicateIdIssues([{ file: fileName, ids }]));
  if (issues.length > 0) throw validationError(issues);
  return entries;
}

function parseKbText(textContent: string, fileName: string): ReturnType<typeof validateKbDocument> {
  let data: unknown;
  try {
    data = fileName.toLowerCase().endsWith('.json')
      ? JSON.parse(textContent)
      : parseYaml(textContent, { uniqueKeys: true });
  } catch (error) {
    const message =
      error instanceof YAMLParseError || error instanceof SyntaxError
        ? error.message.split('\n')[0]
        : String(error);
    return { entries: [], issues: [{ file: fileName, message: `cannot parse: ${message}` }], ids: [] };
  }
  return validateKbDocument(data, fileName);
}

/** Ids must be unique across every file of one load (checked on every written id, valid entry or not). */
export function duplicateIdIssues(
  files: ReadonlyArray<{ file: string; ids: readonly EntryId[] }>,
): KbIssue[] {
  const seen = new Map<string, string>();
  const issues: KbIssue[] = [];
  for (const { file, ids } of files) {
    for (const { index, id } of ids) {
      const first = seen.get(id);
      if (first === undefined) seen.set(id, file);
      else
        issues.push({
          file,
          index,
          id,
          field: 'id',
          message: `duplicate id "${id}" (first defined in ${first})`,
        });
    }
  }
  return issues;
}

/** Files in a KB folder that are not entries: the synonym list and the segmentation dictionary live beside them. */
const NON_ENTRY_FILES = new Set(['synonyms.yaml', 'synonyms.yml']);

export function isKbEntryFileName(name: string): boolean {
  return /\.(ya?ml|json)$/i.test(name) && !NON_ENTRY_FILES.has(name.toLowerCase());
}

/**
 * Loads every `*.yaml|*.yml|*.json` file of `dir` (not recursive, sorted by name; synonyms.yaml is
 * skipped). All-or-nothing: returns every entry or throws AppError('validation_failed') listing
 * every problem in every file.
 */
export function loadKbDirectory(dir: string): KbEntry[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter(isKbEntryFileName).sort();
  } catch (error) {
    throw new AppError('validation_failed', `cannot read KB folder ${dir}: ${(error as Error).message}`, {
      details: { errors: [{ file: dir, message: 'cannot read folder' }] },
    });
  }
  const files: Array<{ file: string; entries: KbEntry[]; ids: EntryId[] }> = [];
  const issues: KbIssue[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const parsed = parseKbText(readFileSync(file, 'utf8'), file);
    files.push({ file, entries: parsed.entries, ids: parsed.ids });
    issues.push(...parsed.issues);
  }
  issues.push(...duplicateIdIssues(files));
  if (issues.length > 0) throw validationError(issues);
  return files.flatMap((f) => f.entries);
}

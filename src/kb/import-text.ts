/**
 * Reads one YAML or JSON KB file (the config/kb format, validated by src/kb/entry.ts) and places
 * every problem on the line of the offending field, so a maintainer can jump straight to it.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { validateKbDocument, type KbEntry } from './entry.ts';
import type { KbImportIssue } from './import-issue.ts';

/** A valid entry and where it came from (for duplicate-id messages). */
export interface ImportedEntry {
  entry: KbEntry;
  file: string;
  /** Row or line of the entry; a function so JSON files are only re-parsed for lines when needed. */
  locate(): number | undefined;
  /** How the id field is named at that place: `entries[3].id` or the spreadsheet header `编号`. */
  idField: string;
}

export interface FileReadResult {
  entries: ImportedEntry[];
  issues: KbImportIssue[];
}

export function readTextKbFile(text: string, file: string): FileReadResult {
  const located = locateIn(text);
  let data: unknown;
  if (/\.json$/i.test(file)) {
    try {
      data = JSON.parse(text);
    } catch (error) {
      return { entries: [], issues: [{ file, message: `cannot parse JSON: ${(error as Error).message}` }] };
    }
  } else {
    const doc = located.document();
    if (doc.errors.length > 0) {
      const issues = doc.errors.map((error) => ({
        file,
        row: located.lineAt(error.pos[0]),
        message: `cannot parse YAML: ${error.message.split('\n')[0]}`,
      }));
      return { entries: [], issues };
    }
    data = doc.toJS();
  }

  const validated = validateKbDocument(data, file);
  const issues: KbImportIssue[] = validated.issues.map((issue) => {
    const segments = [
      ...(issue.index === undefined ? [] : ['entries', issue.index]),
      ...fieldSegments(issue.field),
    ];
    const field =
      issue.index === undefined
        ? issue.field
        : `entries[${issue.index}]${issue.field ? `.${issue.field}` : ''}`;
    const entry = issue.id ? ` (entry ${issue.id})` : '';
    return { file, row: located.lineOf(segments), field, message: `${issue.message}${entry}` };
  });

  // validateKbDocument returns the valid entries in order, skipping those with problems.
  const invalid = new Set(validated.issues.map((issue) => issue.index));
  const validIndexes = entryIndexes(data).filter((index) => !invalid.has(index));
  const entries = validated.entries.map((entry, i) => {
    const index = validIndexes[i]!;
    return { entry, file, locate: () => located.lineOf(['entries', index]), idField: `entries[${index}].id` };
  });
  return { entries, issues };
}

function entryIndexes(data: unknown): number[] {
  const list = (data as { entries?: unknown } | null)?.entries;
  return Array.isArray(list) ? list.map((_, index) => index) : [];
}

/** `questions[2]` → ['questions', 2]. */
function fieldSegments(field: string | undefined): Array<string | number> {
  if (!field) return [];
  return [...field.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] === undefined ? m[1]! : Number(m[2])));
}

/** Line lookups on a lazily parsed YAML document (JSON parses as YAML too). */
function locateIn(text: string) {
  let doc: Document.Parsed | undefined;
  const counter = new LineCounter();
  const document = (): Document.Parsed =>
    (doc ??= parseDocument(text, { lineCounter: counter, uniqueKeys: true }));
  const lineAt = (offset: number): number => counter.linePos(offset).line;

  /** Line of the deepest node along `segments` that exists (the entry's line when the field is missing). */
  const lineOf = (segments: ReadonlyArray<string | number>): number | undefined => {
    let node: unknown = document().contents;
    let offset = (node as { range?: [number] } | null)?.range?.[0];
    for (const segment of segments) {
      let next: unknown;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        next = pair?.value ?? pair?.key;
      } else if (isSeq(node) && typeof segment === 'number') {
        next = node.items[segment];
      }
      const start = (next as { range?: [number] } | null | undefined)?.range?.[0];
      if (start === undefined) break;
      node = next;
      offset = start;
    }
    return offset === undefined ? undefined : lineAt(offset);
  };
  return { document, lineAt, lineOf };
}

/**
 * Reads KB entries from an .xlsx workbook (layout in src/kb/IMPORT.md): the first sheet, a header
 * row naming the fields in Chinese or English, one entry per row. Rows are validated by the same
 * schema as the YAML files; problems name the spreadsheet row and the header as written.
 */
import type ExcelJS from 'exceljs';
import { validateKbDocument } from './entry.ts';
import type { KbImportIssue } from './import-issue.ts';
import {
  departmentId,
  fieldOfHeader,
  itemId,
  normaliseHeader,
  REQUIRED_XLSX_FIELDS,
  statusId,
  XLSX_HEADERS,
  yesNo,
  type KbField,
} from './import-names.ts';
import type { FileReadResult, ImportedEntry } from './import-text.ts';

type Scalar = string | number | boolean | Date;

/** Headers that are never data (a maintainer's remarks column). */
const IGNORED_HEADERS = new Set(['备注', '说明', 'note', 'notes', 'comment', 'comments']);
const PROGRESS_EVERY = 500;

export async function readXlsxKbFile(
  filePath: string,
  file: string,
  onRows?: (rows: number) => void,
): Promise<FileReadResult> {
  // Loaded on first use: exceljs takes ~0.5 s to import, which `bangban start` should not pay.
  const { default: Excel } = await import('exceljs');
  const workbook = new Excel.Workbook();
  try {
    await workbook.xlsx.readFile(filePath);
  } catch (error) {
    return {
      entries: [],
      issues: [{ file, message: `cannot read the workbook: ${(error as Error).message}` }],
    };
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) return { entries: [], issues: [{ file, message: 'the workbook has no sheet' }] };

  const header = readHeader(sheet, file);
  if (header.issues.length > 0) return { entries: [], issues: header.issues };

  const raws: Array<Record<string, unknown>> = [];
  const rowNumbers: number[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    if (rowNumber === 1) return;
    const raw: Record<string, unknown> = {};
    for (const [col, field] of header.fields) {
      const value = convert(field, cellScalar(row.getCell(col).value, field));
      if (value !== undefined) raw[field] = value;
    }
    if (Object.keys(raw).length === 0) return;
    raws.push(raw);
    rowNumbers.push(rowNumber);
    if (raws.length % PROGRESS_EVERY === 0) onRows?.(raws.length);
  });
  onRows?.(raws.length);
  return validateRows(raws, rowNumbers, header.names, file);
}

function readHeader(sheet: ExcelJS.Worksheet, file: string) {
  const fields = new Map<number, KbField>();
  const names = new Map<KbField, string>();
  const issues: KbImportIssue[] = [];
  sheet.getRow(1).eachCell({ includeEmpty: false }, (cell, col) => {
    const text = String(cellScalar(cell.value, 'title') ?? '').trim();
    if (text === '' || text.startsWith('#') || IGNORED_HEADERS.has(normaliseHeader(text))) return;
    const field = fieldOfHeader(text);
    if (!field) {
      issues.push({
        file,
        row: 1,
        field: text,
        message: `unknown column header (expected one of ${documentedHeaders()})`,
      });
    } else if (names.has(field)) {
      issues.push({
        file,
        row: 1,
        field: text,
        message: `a second column for ${field} (first: ${names.get(field)})`,
      });
    } else {
      fields.set(col, field);
      names.set(field, text);
    }
  });
  for (const field of REQUIRED_XLSX_FIELDS) {
    if (!names.has(field))
      issues.push({ file, row: 1, field: headerLabel(field), message: 'required column header is missing' });
  }
  return { fields, names, issues };
}

function validateRows(
  raws: Array<Record<string, unknown>>,
  rowNumbers: number[],
  names: Map<KbField, string>,
  file: string,
): FileReadResult {
  const issues: KbImportIssue[] = [];
  raws.forEach((raw, i) => {
    // The YAML format lets a file give the item; a spreadsheet row must say it itself.
    if (raw.item === undefined)
      issues.push({
        file,
        row: rowNumbers[i],
        field: names.get('item'),
        message: `is required${idNote(raw.id)}`,
      });
  });
  const validated = validateKbDocument({ item: 'general', entries: raws }, file);
  for (const issue of validated.issues) {
    const row = issue.index === undefined ? undefined : rowNumbers[issue.index];
    const top = issue.field?.split(/[.[]/)[0] as KbField | undefined;
    const field = top ? (names.get(top) ?? issue.field) : undefined;
    issues.push({ file, row, field, message: `${issue.message}${idNote(issue.id)}` });
  }
  issues.sort((a, b) => (a.row ?? 0) - (b.row ?? 0));

  const invalid = new Set(validated.issues.map((issue) => issue.index));
  const validRows = rowNumbers.filter((_, index) => !invalid.has(index));
  const idField = names.get('id') ?? 'id';
  const entries: ImportedEntry[] = validated.entries.map((entry, i) => {
    const row = validRows[i];
    return { entry, file, locate: () => row, idField };
  });
  return { entries, issues };
}

function idNote(id: unknown): string {
  return typeof id === 'string' && id !== '' ? ` (entry ${id})` : '';
}

/** The plain value of a cell: rich text joined, formulas by their result, links by URL for sourceUrl. */
function cellScalar(value: ExcelJS.CellValue, field: KbField): Scalar | undefined {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Date) return value;
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value !== 'object') return value;
  if ('richText' in value) return cellScalar(value.richText.map((part) => part.text).join(''), field);
  if ('hyperlink' in value)
    return field === 'sourceUrl' ? value.hyperlink : cellScalar(value.text as ExcelJS.CellValue, field);
  if ('result' in value) return cellScalar(value.result as ExcelJS.CellValue, field);
  if ('error' in value) return value.error;
  return undefined;
}

const LIST_SEPARATORS: Partial<Record<KbField, RegExp>> = {
  // A question may contain commas, so questions split on line breaks and semicolons only.
  questions: /[\r\n]+|[；;]/,
  keywords: /[\r\n]+|[；;、，,]/,
  facts: /[\r\n]+|[；;、，,\s]/,
};

function convert(field: KbField, value: Scalar | undefined): unknown {
  if (value === undefined) return undefined;
  const separator = LIST_SEPARATORS[field];
  if (separator) {
    const parts = String(value instanceof Date ? isoDate(value) : value)
      .split(separator)
      .map((part) => part.trim())
      .filter((part) => part !== '');
    return parts.length === 0 ? undefined : parts;
  }
  switch (field) {
    case 'effectiveDate':
    case 'publishDate':
      return value instanceof Date ? isoDate(value) : typeof value === 'string' ? dateText(value) : value;
    case 'needsConfirmation':
      return typeof value === 'boolean' ? value : yesNo(String(value));
    case 'item':
      return typeof value === 'string' ? itemId(value) : value;
    case 'maintainer':
      return typeof value === 'string' ? departmentId(value) : value;
    case 'status':
      return typeof value === 'string' ? statusId(value) : value;
    default:
      return value instanceof Date ? isoDate(value) : value;
  }
}

/** Excel stores a date without a zone; exceljs hands it over as that calendar day at 00:00 UTC. */
function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** `2021/6/1`, `2021.6.1`, `2021年6月1日` → `2021-06-01`; anything else unchanged (the validator explains). */
function dateText(text: string): string {
  const match = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$/.exec(text.trim());
  if (!match) return text;
  return `${match[1]}-${match[2]!.padStart(2, '0')}-${match[3]!.padStart(2, '0')}`;
}

function headerLabel(field: KbField): string {
  const [english, chinese] = [
    XLSX_HEADERS[field][0],
    XLSX_HEADERS[field].find((name) => /\p{Script=Han}/u.test(name)),
  ];
  return chinese ? `${field}/${chinese}` : (english ?? field);
}

function documentedHeaders(): string {
  return (Object.keys(XLSX_HEADERS) as KbField[]).map(headerLabel).join(', ');
}

/**
 * `bangban kb import`: reads YAML, JSON and .xlsx KB files (or folders of them), validates every
 * entry of every file first, and writes all of them in one transaction — or nothing at all.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from '../ports.ts';
import type { Db } from '../storage/database.ts';
import { isKbEntryFileName, type KbEntry } from './entry.ts';
import { importFailed, type KbImportIssue } from './import-issue.ts';
import { readTextKbFile, type FileReadResult, type ImportedEntry } from './import-text.ts';
import { readXlsxKbFile } from './import-xlsx.ts';
import { upsertEntries, type UpsertResult } from './store.ts';

export type ImportProgress =
  /** Rows read so far from one file: every 500 rows of a spreadsheet and when a file is done. */
  | { stage: 'read'; file: string; entries: number }
  /** Entries written so far: every 500 and at the end. */
  | { stage: 'write'; done: number; total: number };

export interface ImportOptions {
  actor: string;
  clock: Clock;
  /** Relative paths resolve against this (default process.cwd()); messages show them as given. */
  cwd?: string;
  onProgress?: (progress: ImportProgress) => void;
}

export interface ImportResult extends UpsertResult {
  /** The files read, in order, as shown in messages. */
  files: string[];
}

/**
 * Imports every KB file named in `paths` (a folder means its *.yaml, *.yml, *.json and *.xlsx files,
 * not recursive, synonyms.yaml excluded). Throws AppError('validation_failed') listing every problem
 * as `<file>:<row>: <field>: <reason>` (details.errors holds each line) and writes nothing then.
 */
export async function importKbFiles(
  db: Db,
  paths: readonly string[],
  options: ImportOptions,
): Promise<ImportResult> {
  const { files, entries } = await readKbFiles(paths, options);
  const written = await upsertEntries(db, entries, {
    actor: options.actor,
    clock: options.clock,
    onProgress: (p) => options.onProgress?.({ stage: 'write', ...p }),
  });
  return { files, ...written };
}

/** Reads and validates without writing; throws like importKbFiles. */
export async function readKbFiles(
  paths: readonly string[],
  options: Pick<ImportOptions, 'cwd' | 'onProgress'> = {},
): Promise<{ files: string[]; entries: KbEntry[] }> {
  const cwd = options.cwd ?? process.cwd();
  const issues: KbImportIssue[] = [];
  const files = await expandPaths(paths, cwd, issues);
  const imported: ImportedEntry[] = [];
  for (const file of files) {
    const result = await readOneFile(file, path.resolve(cwd, file), options.onProgress);
    issues.push(...result.issues);
    imported.push(...result.entries);
  }
  issues.push(...duplicateIds(imported));
  if (issues.length > 0) throw importFailed(issues);
  return { files, entries: imported.map((i) => i.entry) };
}

export function isKbImportFileName(name: string): boolean {
  // `~$name.xlsx` is the lock file Excel leaves beside an open workbook.
  return isKbEntryFileName(name) || (/\.xlsx$/i.test(name) && !name.startsWith('~$'));
}

async function expandPaths(
  paths: readonly string[],
  cwd: string,
  issues: KbImportIssue[],
): Promise<string[]> {
  const files: string[] = [];
  for (const given of paths) {
    const info = await stat(path.resolve(cwd, given)).catch((error: NodeJS.ErrnoException) => error);
    if (info instanceof Error) {
      issues.push({
        file: given,
        message: info.code === 'ENOENT' ? 'no such file or folder' : `cannot read: ${info.message}`,
      });
    } else if (info.isDirectory()) {
      const names = (await readdir(path.resolve(cwd, given))).filter(isKbImportFileName).sort();
      if (names.length === 0)
        issues.push({ file: given, message: 'the folder holds no .yaml, .yml, .json or .xlsx file' });
      files.push(...names.map((name) => path.join(given, name)));
    } else if (isKbImportFileName(path.basename(given))) {
      files.push(given);
    } else {
      issues.push({ file: given, message: 'unsupported file type (expected .yaml, .yml, .json or .xlsx)' });
    }
  }
  return [...new Set(files)];
}

async function readOneFile(
  file: string,
  absolute: string,
  onProgress: ImportOptions['onProgress'],
): Promise<FileReadResult> {
  if (/\.xlsx$/i.test(file)) {
    return readXlsxKbFile(absolute, file, (entries) => onProgress?.({ stage: 'read', file, entries }));
  }
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    return { entries: [], issues: [{ file, message: `cannot read: ${(error as Error).message}` }] };
  }
  const result = readTextKbFile(text, file);
  onProgress?.({ stage: 'read', file, entries: result.entries.length });
  return result;
}

/** Ids are unique across everything one import reads. */
function duplicateIds(imported: readonly ImportedEntry[]): KbImportIssue[] {
  const first = new Map<string, ImportedEntry>();
  const issues: KbImportIssue[] = [];
  for (const current of imported) {
    const earlier = first.get(current.entry.id);
    if (!earlier) {
      first.set(current.entry.id, current);
      continue;
    }
    const at = earlier.locate();
    issues.push({
      file: current.file,
      row: current.locate(),
      field: current.idField,
      message: `duplicate id "${current.entry.id}" (first in ${earlier.file}${at === undefined ? '' : `:${at}`})`,
    });
  }
  return issues;
}

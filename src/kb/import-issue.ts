/** Problems found while importing KB files, formatted `<file>:<row>: <field>: <reason>`. */
import { AppError } from '../core/errors.ts';

export interface KbImportIssue {
  file: string;
  /** Spreadsheet row number (header = 1), or the line of the field in a YAML/JSON file. */
  row?: number;
  /** `entries[3].column` in YAML/JSON, the column header as written (`栏目`) in a spreadsheet. */
  field?: string;
  message: string;
}

export function formatImportIssue(issue: KbImportIssue): string {
  const where = issue.row === undefined ? issue.file : `${issue.file}:${issue.row}`;
  return `${where}: ${issue.field ? `${issue.field}: ` : ''}${issue.message}`;
}

// The exception message stays readable; every line is in details.errors for callers that print all.
const LINES_IN_MESSAGE = 50;

/** validation_failed listing every problem; nothing has been written when this is thrown. */
export function importFailed(issues: readonly KbImportIssue[]): AppError {
  const lines = issues.map(formatImportIssue);
  const shown = lines.slice(0, LINES_IN_MESSAGE);
  const more = lines.length > shown.length ? `\n… and ${lines.length - shown.length} more` : '';
  return new AppError(
    'validation_failed',
    `KB import rejected, nothing written (${lines.length} problem(s)):\n${shown.join('\n')}${more}`,
    {
      details: { errors: lines },
    },
  );
}

import { AppError } from '../core/errors.ts';

/** One problem with the configuration: where it came from (file or environment), the field, the reason. */
export interface ConfigIssue {
  /** The config file as given, or `environment`. */
  source: string;
  /** Dotted path such as `rota.shifts[2].start`, or the variable name for the environment. */
  path: string;
  message: string;
  /** 1-based line in the file, when known. */
  line?: number;
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line === undefined ? '' : ` (line ${issue.line})`;
  // File-level problems (unreadable, YAML syntax, empty) have no field path.
  const path = issue.path === '' ? '' : `${issue.path}: `;
  return `${issue.source}: ${path}${issue.message}${where}`;
}

/** The config_invalid error listing every issue, one per line. */
export function configInvalid(file: string, issues: readonly ConfigIssue[]): AppError {
  const heading =
    issues.length === 1 ? 'invalid configuration:' : `invalid configuration (${issues.length} problems):`;
  return new AppError(
    'config_invalid',
    [heading, ...issues.map((issue) => `  ${formatIssue(issue)}`)].join('\n'),
    {
      details: {
        file,
        issues: issues.map(({ source, path, message, line }) => ({ source, path, message, line })),
      },
    },
  );
}

/** `['rota', 'shifts', 2, 'start']` → `rota.shifts[2].start`. */
export function formatPath(segments: readonly PropertyKey[]): string {
  return segments
    .map((segment, index) =>
      typeof segment === 'number' ? `[${segment}]` : `${index === 0 ? '' : '.'}${String(segment)}`,
    )
    .join('');
}

/** `rota.shifts[2].start` → `['rota', 'shifts', 2, 'start']` (inverse of formatPath). */
export function parsePath(path: string): (string | number)[] {
  const segments: (string | number)[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (match[2] !== undefined) segments.push(Number(match[2]));
    else if (match[1] !== undefined) segments.push(match[1]);
  }
  return segments;
}

import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML, { isMap, isScalar, isSeq, LineCounter, type Node } from 'yaml';
import { configInvalid, parsePath } from './config-issue.ts';
import type { Config } from './config-types.ts';
import { parseConfig } from './parse-config.ts';

export interface LoadConfigOptions {
  env: NodeJS.ProcessEnv;
  /** From `--config <file>`; wins over BANGBAN_CONFIG. Relative paths resolve against cwd. */
  file?: string;
  /** Default process.cwd(). */
  cwd?: string;
}

export const DEFAULT_CONFIG_FILE = 'config/default.yaml';

/**
 * Reads the one configuration of a process: `file` (the `--config` option) if given, else
 * BANGBAN_CONFIG, else `<cwd>/config/default.yaml`; parses the YAML and hands it to parseConfig.
 * Any problem — unreadable file, YAML syntax, schema, cross-checks, environment — throws
 * config_invalid naming the file, the field path or line, and the reason.
 */
export function loadConfig(options: LoadConfigOptions): Config {
  const cwd = options.cwd ?? process.cwd();
  const given = options.file ?? nonEmpty(options.env.BANGBAN_CONFIG) ?? DEFAULT_CONFIG_FILE;
  const absolute = path.resolve(cwd, given);
  const shown = displayName(absolute, cwd);

  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    const reason =
      error instanceof Error && 'code' in error ? describeReadError(String(error.code)) : String(error);
    throw configInvalid(shown, [
      { source: shown, path: '', message: `cannot read the config file: ${reason}` },
    ]);
  }

  const lineCounter = new LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw configInvalid(
      shown,
      doc.errors.map((error) => {
        const line = lineCounter.linePos(error.pos[0]).line;
        const message = `YAML syntax error: ${error.message.split('\n')[0]}`;
        return { source: shown, path: '', message, line };
      }),
    );
  }

  const lineOf = (fieldPath: string): number | undefined => {
    const node = findNode(doc.contents, parsePath(fieldPath));
    const offset = node?.range?.[0];
    return offset === undefined ? undefined : lineCounter.linePos(offset).line;
  };
  return parseConfig(doc.toJS(), options.env, shown, { cwd, lineOf });
}

/** The deepest YAML node along a path (the closest existing parent when the field is missing). */
function findNode(root: unknown, segments: readonly (string | number)[]): Node | undefined {
  let node = root as Node | null | undefined;
  for (const segment of segments) {
    let child: unknown;
    if (isMap(node)) {
      // Keys may be scalars of any type (`2027:` is a number), so compare them as strings.
      child = node.items.find(
        (pair) => isScalar(pair.key) && String(pair.key.value) === String(segment),
      )?.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      child = node.items[segment];
    }
    if (child === undefined || child === null) break;
    node = child as Node;
  }
  return node ?? undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function displayName(absolute: string, cwd: string): string {
  const relative = path.relative(cwd, absolute);
  return relative.startsWith('..') || path.isAbsolute(relative) ? absolute : relative;
}

function describeReadError(code: string): string {
  if (code === 'ENOENT') return 'no such file (ENOENT)';
  if (code === 'EACCES') return 'permission denied (EACCES)';
  if (code === 'EISDIR') return 'it is a directory (EISDIR)';
  return code;
}

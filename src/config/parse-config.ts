import type { z } from 'zod';
import { configFileSchema } from './config-schema.ts';
import { configInvalid, formatPath, type ConfigIssue } from './config-issue.ts';
import type { Config } from './config-types.ts';
import { crossCheckConfig } from './cross-check-config.ts';
import { deepFreeze } from './deep-freeze.ts';
import { resolveServerSettings } from './server-settings.ts';

export interface ParseConfigOptions {
  /** Directory relative paths (DATA_DIR, server.dataDir) resolve against; default process.cwd(). */
  cwd?: string;
  /** Maps a field path to its line in the source file, so messages can point at it. */
  lineOf?: (path: string) => number | undefined;
}

/**
 * Validates already-parsed config data (e.g. from YAML), applies the environment overrides, runs
 * the cross-checks and returns the deep-frozen Config. Throws config_invalid listing every issue as
 * `<source>: <path>: <reason>`. Cross-checks run once the shape is right, so a file with shape
 * errors reports those first.
 */
export function parseConfig(
  raw: unknown,
  env: NodeJS.ProcessEnv,
  sourceName: string,
  options: ParseConfigOptions = {},
): Config {
  const located = (path: string, message: string): ConfigIssue => {
    const line = options.lineOf?.(path);
    return line === undefined
      ? { source: sourceName, path, message }
      : { source: sourceName, path, message, line };
  };

  const parsed = configFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw configInvalid(
      sourceName,
      parsed.error.issues.flatMap((issue) => zodIssueToConfigIssues(issue, located)),
    );
  }
  const file = parsed.data;
  const { settings, issues: envIssues } = resolveServerSettings(
    file.server,
    env,
    options.cwd ?? process.cwd(),
  );
  const issues = [...crossCheckConfig(file).map((issue) => located(issue.path, issue.message)), ...envIssues];
  if (issues.length > 0) throw configInvalid(sourceName, issues);
  return deepFreeze({ ...file, server: settings, source: sourceName });
}

function zodIssueToConfigIssues(
  issue: z.core.$ZodIssue,
  located: (path: string, message: string) => ConfigIssue,
): ConfigIssue[] {
  const path = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    // One issue per key, each with its own path, so the message points at the misspelt field.
    return issue.keys.map((key) => located(formatPath([...issue.path, key]), 'unknown field'));
  }
  return [located(path, issue.message)];
}

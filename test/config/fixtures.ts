import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';
import YAML from 'yaml';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const defaultConfigFile = path.join(repoRoot, 'config', 'default.yaml');
export const defaultConfigText = readFileSync(defaultConfigFile, 'utf8');

/** A fresh, mutable copy of config/default.yaml as plain data; tests break it on purpose, hence untyped. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function defaultRaw(): Record<string, any> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return YAML.parse(defaultConfigText) as Record<string, any>;
}

/** An empty temporary folder, removed when the current test finishes (call it inside a test). */
export function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bangban-config-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `text` to `dir/relative` (creating folders) and returns the absolute path. */
export function writeFile(dir: string, relative: string, text: string): string {
  const file = path.join(dir, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

/** `text` with the first `from` replaced; throws if `from` is absent, so a test never edits nothing. */
export function replaceOnce(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`fixture text not found: ${from}`);
  return text.replace(from, to);
}

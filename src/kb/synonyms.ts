/**
 * The retrieval lexicon: synonym groups, typo corrections, stopwords and out-of-scope words from
 * config/kb/synonyms.yaml, plus the jieba user dictionary config/kb/dictionary.txt.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { AppError } from '../core/errors.ts';
import { KB_ITEMS } from './entry.ts';
import { parseDictionary, type DictionaryWord } from './segment.ts';

export interface Lexicon {
  /** Each group is one meaning; the first word is the canonical form. */
  groups: string[][];
  /** wrong → right, applied to the text before segmentation. */
  typos: Record<string, string>;
  stopwords: string[];
  /** Words pointing outside the five service items (other agencies' business). */
  outOfScope: string[];
  /** Words that name one service item (its certificate, its kind of enterprise); keyed by item id. */
  items: Record<string, string[]>;
  dictionary: DictionaryWord[];
}

/** config/kb/ of this checkout: the lexicon files live beside the seed entries. */
export const DEFAULT_KB_CONFIG_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../config/kb',
);

const word = z
  .union([z.string(), z.number()])
  .transform(String)
  .pipe(z.string().trim().min(1, { error: 'empty word' }));

const synonymsFileSchema = z.strictObject({
  groups: z.array(z.array(word).min(2, { error: 'a group needs at least two words' })).default([]),
  typos: z.record(z.string(), word).default({}),
  stopwords: z.array(word).default([]),
  outOfScope: z.array(word).default([]),
  items: z.partialRecord(z.enum(KB_ITEMS), z.array(word)).default({}),
});

/** Parses synonyms.yaml; a bad file throws AppError('config_invalid') naming the file and the field. */
export function parseSynonyms(textContent: string, fileName: string): Omit<Lexicon, 'dictionary'> {
  let data: unknown;
  try {
    data = parseYaml(textContent) ?? {};
  } catch (error) {
    throw new AppError(
      'config_invalid',
      `${fileName}: cannot parse: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  const parsed = synonymsFileSchema.safeParse(data);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    const where = first.path
      .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
      .join('')
      .replace(/^\./, '');
    throw new AppError('config_invalid', `${fileName}: ${where}: ${first.message}`, {
      details: { issues: parsed.error.issues },
    });
  }
  return parsed.data;
}

/** Reads synonyms.yaml and dictionary.txt from `dir` (default: this checkout's config/kb). */
export function loadLexicon(dir: string = DEFAULT_KB_CONFIG_DIR): Lexicon {
  const synonymsFile = path.join(dir, 'synonyms.yaml');
  const dictionaryFile = path.join(dir, 'dictionary.txt');
  const read = (file: string): string => {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new AppError('config_invalid', `${file}: cannot read: ${(error as Error).message}`);
    }
  };
  return {
    ...parseSynonyms(read(synonymsFile), synonymsFile),
    dictionary: parseDictionary(read(dictionaryFile)),
  };
}

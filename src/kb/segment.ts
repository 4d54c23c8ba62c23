/**
 * Chinese text normalisation and word segmentation for the KB: @node-rs/jieba in search mode
 * (whole words plus the dictionary words inside them) with a domain user dictionary.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Jieba } from '@node-rs/jieba';

/** Questions are cut to this many characters before any work, so a 10 000-character paste costs what 500 do. */
export const MAX_QUESTION_CHARS = 500;

// A few traditional forms people paste from Hong Kong/Taiwan pages; a full converter is not worth its weight.
const TRAD_MAP = new Map<string, string>(
  '藥药 醫医 療疗 許许 證证 註注 冊册 製制 劑剂 妝妆 產产 變变 續续 號号 費费 時时 間间 個个 務务 辦办 請请 問问 對对 該该 們们 單单 資资 聯联 說说 處处 與与 從从 這这 為为 麼么 會会 區区 業业 執执 來来 還还 過过 後后 開开 關关 應应 當当 審审 據据 準准 確确 類类 門门 電电 話话 營营 網网 絡络 寫写 題题 機机 構构 體体 條条 範范 圍围 驗验 場场 報报 廠厂 衛卫 復复 補补 撤撤 銷销 發发 導导 嗎吗 麼么 幾几 錢钱 區区 續续 屆届 滿满 內内 換换 號号 備备 檢检 測测 質质 簽签 書书 寶宝 稅税 險险 戶户 駕驾 護护 歲岁 貨货 東东 車车 讓让 隻只 裡里 裏里 圖图 啟启 紙纸 門门 給给 沒没 樣样 嚴严 熱热 線线'
    .split(' ')
    .map((pair) => [pair[0]!, pair[1]!]),
);

const NOT_WORD = /[^\p{Script=Han}a-z0-9]+/gu;

/**
 * Full-width → half-width (NFKC), lower case, common traditional characters → simplified, and every
 * run of punctuation, emoji or other symbols → one space. Input beyond `maxChars` is ignored.
 */
export function normalizeText(raw: string, maxChars = MAX_QUESTION_CHARS): string {
  const head = raw.length > maxChars ? raw.slice(0, maxChars) : raw;
  let out = '';
  for (const ch of head.normalize('NFKC').toLowerCase()) out += TRAD_MAP.get(ch) ?? ch;
  return out.replace(NOT_WORD, ' ').trim();
}

/** One user-dictionary line: a word and an optional jieba frequency. */
export interface DictionaryWord {
  word: string;
  freq?: number;
}

// High enough that a domain word beats the generic split (二类证|明年 rather than 二类|证明|年).
const DEFAULT_USER_FREQ = 20000;

/** Parses a jieba user dictionary: `word [freq] [tag]` per line, `#` comments. */
export function parseDictionary(textContent: string): DictionaryWord[] {
  const words: DictionaryWord[] = [];
  for (const line of textContent.split(/\r?\n/)) {
    const trimmed = line.replace(/#.*$/, '').trim();
    if (!trimmed) continue;
    const [word, freq] = trimmed.split(/\s+/);
    const parsed = Number(freq);
    words.push(
      freq !== undefined && Number.isFinite(parsed) && parsed > 0
        ? { word: word!, freq: parsed }
        : { word: word! },
    );
  }
  return words;
}

/** A word of the text and its jieba part-of-speech tag ('' for user-dictionary words). */
export interface Token {
  word: string;
  tag: string;
}

export interface Segmenter {
  /** The words of already normalised text (spaces separate runs), with part-of-speech tags; no blanks. */
  tokens(normalized: string): Token[];
  /** Dictionary words inside `word` (search mode: 二类医疗器械 → 二类, 医疗, 器械, 医疗器械), without `word`. */
  subwords(word: string): string[];
  /** Words the segmenter treats as domain vocabulary (user dictionary), normalised. */
  readonly vocabulary: ReadonlySet<string>;
}

/**
 * jieba's standard dictionary, read when a segmenter is built and not kept: the package's own
 * `dict.js` would also read its 6 MB IDF table and hold both for the life of the process.
 */
function readBaseDict(): Buffer {
  const dict = readFileSync(createRequire(import.meta.url).resolve('@node-rs/jieba/dict.txt'));
  // Words jieba saw fewer than MIN_BASE_FREQ times in its corpus (60 % of the 349 000 entries)
  // cost ~25 MB of native memory and do not change how the KB's questions are cut: the domain
  // vocabulary comes from the user dictionary, and kb-quality is measured with this cut.
  // Filtered byte by byte (lines are `word freq tag`), so no string per line is made.
  const kept = Buffer.allocUnsafe(dict.length);
  let size = 0;
  let start = 0;
  while (start < dict.length) {
    let end = dict.indexOf(0x0a, start);
    if (end === -1) end = dict.length;
    const space = dict.indexOf(0x20, start);
    if (space !== -1 && space < end) {
      let freq = 0;
      for (let i = space + 1; i < end && dict[i]! >= 0x30 && dict[i]! <= 0x39; i += 1)
        freq = freq * 10 + dict[i]! - 0x30;
      if (freq >= MIN_BASE_FREQ) {
        size += dict.copy(kept, size, start, end);
        kept[size++] = 0x0a;
      }
    }
    start = end + 1;
  }
  return kept.subarray(0, size);
}

const MIN_BASE_FREQ = 5;
// Subwords depend only on the word; caching saves a native call per token on hot paths.
const SUBWORD_CACHE_LIMIT = 50_000;

/** Builds a segmenter with the standard jieba dictionary plus `userWords` (~0.2 s: call once per process). */
export function createSegmenter(userWords: readonly DictionaryWord[]): Segmenter {
  const jieba = Jieba.withDict(readBaseDict());
  const vocabulary = new Set<string>();
  const lines: string[] = [];
  for (const { word, freq } of userWords) {
    const w = normalizeText(word).replace(/ /g, '');
    if (w.length < 2 || vocabulary.has(w)) continue;
    vocabulary.add(w);
    lines.push(`${w} ${Math.round(freq ?? DEFAULT_USER_FREQ)}`);
  }
  if (lines.length > 0) jieba.loadDict(Buffer.from(lines.join('\n'), 'utf8'));

  // jieba's search mode finds the 2- and 3-character dictionary words inside a long word; domain
  // words of 4+ characters inside longer ones (医疗器械 in 第二类医疗器械) are added here.
  const longWords = [...vocabulary].filter((w) => w.length >= 4);
  const cache = new Map<string, string[]>();

  function subwords(word: string): string[] {
    if (word.length < 3) return [];
    const cached = cache.get(word);
    if (cached) return cached;
    const found = new Set(jieba.cutForSearch(word, false));
    if (word.length >= 5)
      for (const w of longWords) if (w.length < word.length && word.includes(w)) found.add(w);
    found.delete(word);
    const out = [...found].filter((w) => w.trim() !== '');
    if (cache.size >= SUBWORD_CACHE_LIMIT) cache.clear();
    cache.set(word, out);
    return out;
  }

  return {
    vocabulary,
    subwords,
    tokens: (normalized) => jieba.tag(normalized, false).filter((t) => t.word.trim() !== ''),
  };
}

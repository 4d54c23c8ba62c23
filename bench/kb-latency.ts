/**
 * P5 kb-latency: answer time with 10 000 KB entries (the seed KB plus generated entries made by
 * recombining seed sentences, so term statistics stay realistic). Reports the index build time,
 * answer p50/p99 over varied questions (seed phrasings, typos, off-topic, emoji, mixed scripts,
 * 10 000-character pastes) and the incremental upsert/remove time.
 *
 * Usage: npm run bench -- kb-latency [--entries 10000] [--questions 3000]
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createKnowledgeBase } from '../src/kb/answer.ts';
import { KB_ITEMS, loadKbDirectory, type KbEntry } from '../src/kb/entry.ts';
import { parseEvalQuestions } from '../src/kb/evaluate.ts';

const TARGET_P99_MS = 20;
const repoRoot = path.resolve(import.meta.dirname, '..');
const { values: flags } = parseArgs({
  options: { entries: { type: 'string', default: '10000' }, questions: { type: 'string', default: '3000' } },
});
const ENTRY_COUNT = Number(flags.entries);
const QUESTION_COUNT = Number(flags.questions);

/** Small deterministic PRNG (mulberry32) so runs are comparable. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(20261127);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;

function sentencesOf(text: string): string[] {
  return text
    .split(/(?<=[。；！？])/)
    .map((s) => s.trim())
    .filter((s) => s.length > 4);
}

function synthesize(seed: readonly KbEntry[], count: number): KbEntry[] {
  const sentences = seed.flatMap((e) => sentencesOf(e.answer));
  const titles = seed.map((e) => e.title);
  const questions = seed.flatMap((e) => e.questions);
  const keywords = seed.flatMap((e) => e.keywords);
  const out: KbEntry[] = [];
  for (let i = 0; out.length < count; i++) {
    const base = pick(seed);
    out.push({
      ...base,
      id: `synthetic.entry-${i}`,
      item: pick(KB_ITEMS),
      title: `${pick(titles)}（第${i}号补充说明）`,
      questions: Array.from({ length: 1 + Math.floor(random() * 4) }, () => pick(questions)),
      answer: Array.from({ length: 1 + Math.floor(random() * 5) }, () => pick(sentences)).join(''),
      keywords: Array.from({ length: 2 + Math.floor(random() * 5) }, () => pick(keywords)),
      needsConfirmation: random() < 0.05,
      facts: [],
    });
  }
  return out;
}

const TYPOS: Array<[string, string]> = [
  ['注册', '注策'],
  ['许可证', '许可正'],
  ['制剂', '制济'],
  ['有效期', '有效其'],
];
const OFF_TOPIC = [
  '今天天气怎么样',
  '公积金怎么提取',
  '孩子落户要什么材料',
  '驾照到期怎么换',
  '个税汇算在哪里弄',
  '社保断缴了怎么办',
];
const NOISE = ['😀😀', '🙏', 'hello 请问', '한국어 질문', 'テスト', '？？？', '   ', ''];

function questionsFor(seed: readonly KbEntry[], n: number): string[] {
  const phrasings = seed.flatMap((e) => [e.title, ...e.questions]);
  const evalFile = path.join(repoRoot, 'bench/data/kb-eval.jsonl');
  const devFile = path.resolve(repoRoot, '../shared/kb/dev-questions.jsonl');
  for (const file of [evalFile, devFile]) {
    if (existsSync(file))
      phrasings.push(...parseEvalQuestions(readFileSync(file, 'utf8'), file).map((q) => q.question));
  }
  const out: string[] = [];
  while (out.length < n) {
    const r = random();
    let q = pick(phrasings);
    if (r < 0.5) {
      // as written
    } else if (r < 0.65) {
      const [right, wrong] = pick(TYPOS);
      q = q.replace(right, wrong);
    } else if (r < 0.75) q = pick(OFF_TOPIC);
    else if (r < 0.83) q = `${pick(NOISE)}${q}${pick(NOISE)}`;
    else if (r < 0.9) q = `${pick(phrasings)}？另外${pick(phrasings)}？还有${pick(phrasings)}`;
    else if (r < 0.95) q = pick(NOISE);
    else q = `${pick(phrasings)}${pick(phrasings)}`.repeat(200).slice(0, 10_000);
    out.push(q);
  }
  return out;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const ms = (x: number): string => x.toFixed(2);

const seed = loadKbDirectory(path.join(repoRoot, 'config/kb'));
const all = [...seed, ...synthesize(seed, Math.max(0, ENTRY_COUNT - seed.length))];

let t0 = performance.now();
const kb = createKnowledgeBase(all);
const buildMs = performance.now() - t0;
console.log(`built index of ${kb.size} published entries (${all.length} total) in ${Math.round(buildMs)} ms`);

const questions = questionsFor(seed, QUESTION_COUNT);
for (const q of questions.slice(0, 200)) kb.answer(q); // warm-up (JIT, caches)
const times: number[] = [];
let answered = 0;
for (const q of questions) {
  t0 = performance.now();
  const a = kb.answer(q);
  times.push(performance.now() - t0);
  if (a.decision === 'answer') answered++;
}
times.sort((a, b) => a - b);
const p50 = percentile(times, 50);
const p99 = percentile(times, 99);
console.log(
  `answers: n=${times.length} answered=${answered} p50=${ms(p50)}ms p90=${ms(percentile(times, 90))}ms p99=${ms(p99)}ms max=${ms(times.at(-1)!)}ms`,
);

const upserts: number[] = [];
for (let i = 0; i < 200; i++) {
  const e = pick(all);
  t0 = performance.now();
  kb.upsert({ ...e, answer: `${e.answer}（${i}次修订）` });
  upserts.push(performance.now() - t0);
}
upserts.sort((a, b) => a - b);
t0 = performance.now();
kb.remove(all[all.length - 1]!.id);
const removeMs = performance.now() - t0;
console.log(
  `incremental: upsert p50=${ms(percentile(upserts, 50))}ms max=${ms(upserts.at(-1)!)}ms; remove ${ms(removeMs)}ms`,
);

const ok =
  p99 <= TARGET_P99_MS && kb.size >= ENTRY_COUNT - 1 - all.filter((e) => e.status !== 'published').length;
console.log(
  `P5 kb-latency p99=${ms(p99)}ms p50=${ms(p50)}ms n=${times.length} entries=${all.length} (target p99<=${TARGET_P99_MS}ms) ${ok ? 'OK' : 'FAIL'}`,
);
process.exitCode = ok ? 0 : 1;

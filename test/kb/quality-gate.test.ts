/**
 * Quality gate: the real seed KB (config/kb) against the dev questions and the held-out test split
 * of bench/data/kb-eval.jsonl. A change that makes 小申 answer less often correctly, or answer
 * out-of-scope questions, fails CI here (same numbers as `npm run bench -- kb-quality`).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createKnowledgeBase } from '../../src/kb/answer.ts';
import { loadKbDirectory } from '../../src/kb/entry.ts';
import { evaluate, parseEvalQuestions, type EvalQuestion } from '../../src/kb/evaluate.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const devFile = path.resolve(repoRoot, '../shared/kb/dev-questions.jsonl');
const evalFile = path.join(repoRoot, 'bench/data/kb-eval.jsonl');

function read(file: string, keep: (q: EvalQuestion) => boolean = () => true): EvalQuestion[] {
  return existsSync(file) ? parseEvalQuestions(readFileSync(file, 'utf8'), file).filter(keep) : [];
}

const kb = createKnowledgeBase(loadKbDirectory(path.join(repoRoot, 'config/kb')));
const sets: Array<[string, EvalQuestion[]]> = [
  ['dev questions', read(devFile)],
  ['eval test split', read(evalFile, (q) => q.split === 'test')],
];

describe('KB answer quality', () => {
  // A file missing from this checkout is skipped; the last test insists that at least one is there.
  it.each(sets.filter(([, qs]) => qs.length > 0))(
    '%s: in-scope ≥ 85 % correct, out-of-scope false answers ≤ 5 %',
    (_name, questions) => {
      const report = evaluate(kb, questions);
      const misses = report.outcomes.filter((o) => !o.correct).map((o) => o.q.question);
      expect(report.inScope.accuracy, `misses: ${misses.join(' | ')}`).toBeGreaterThanOrEqual(0.85);
      expect(report.handoff.falseAnswerRate, `misses: ${misses.join(' | ')}`).toBeLessThanOrEqual(0.05);
    },
  );

  it('has the evaluation files it is meant to check', () => {
    expect(sets.some(([, qs]) => qs.length > 0)).toBe(true);
  });
});

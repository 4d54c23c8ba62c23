import { describe, expect, it } from 'vitest';
import type { KbAnswer } from '../../src/kb/answer.ts';
import type { KbEntry } from '../../src/kb/entry.ts';
import { isCorrect, parseEvalQuestions } from '../../src/kb/evaluate.ts';

const entry = { id: 'x' } as KbEntry;
const answer = (text: string): KbAnswer => ({ decision: 'answer', entry, text, score: 0.9 });
const handoff: KbAnswer = { decision: 'handoff', reason: 'low_confidence' };

describe('evaluation questions', () => {
  it('parses JSON lines and names the line of a bad one', () => {
    expect(parseEvalQuestions('{"question":"q","must_contain_any":["a"]}\n\n', 'e.jsonl')).toHaveLength(1);
    expect(() => parseEvalQuestions('{"question":"q","must_contain_any":[]}\n{bad', 'e.jsonl')).toThrow(
      /e\.jsonl:2: not JSON/,
    );
    expect(() => parseEvalQuestions('{"question":"q"}', 'e.jsonl')).toThrow(/e\.jsonl:1: needs/);
  });

  it('counts an answer correct only when it contains an expected phrase, and a handoff when one is expected', () => {
    const q = { question: 'q', must_contain_any: ['6个月', '六个月'] };
    expect(isCorrect(q, answer('届满6个月前申请'))).toBe(true);
    expect(isCorrect(q, answer('届满前申请'))).toBe(false);
    expect(isCorrect(q, handoff)).toBe(false);
    const out = { question: 'q', must_contain_any: [], expect: 'handoff' as const };
    expect(isCorrect(out, handoff)).toBe(true);
    expect(isCorrect(out, answer('任何回答'))).toBe(false);
  });
});

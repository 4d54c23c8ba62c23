/**
 * Scoring the bot against evaluation questions (`{question, must_contain_any, expect?, split?}` per
 * JSON line): in-scope accuracy and the false-answer rate on questions that must be handed off.
 * Shared by `npm run bench -- kb-quality` and the quality-gate test.
 */
import type { KbAnswer, KnowledgeBase } from './answer.ts';

export interface EvalQuestion {
  id?: string;
  question: string;
  item?: string;
  category?: string;
  must_contain_any: string[];
  expect?: 'handoff' | 'answer';
  split?: 'train' | 'test';
}

export interface EvalOutcome {
  q: EvalQuestion;
  answer: KbAnswer;
  /** In scope: answered and the text contains an expected phrase. Handoff expected: not answered. */
  correct: boolean;
}

export interface EvalReport {
  inScope: { n: number; correct: number; accuracy: number };
  handoff: { n: number; falseAnswers: number; falseAnswerRate: number };
  outcomes: EvalOutcome[];
}

export function expectsHandoff(q: EvalQuestion): boolean {
  return q.expect === 'handoff';
}

/** Parses JSON lines; a bad line throws naming the file and line number. */
export function parseEvalQuestions(textContent: string, fileName: string): EvalQuestion[] {
  const out: EvalQuestion[] = [];
  textContent.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new Error(`${fileName}:${i + 1}: not JSON: ${(error as Error).message}`, { cause: error });
    }
    const q = value as EvalQuestion;
    if (typeof q?.question !== 'string' || !Array.isArray(q.must_contain_any)) {
      throw new Error(`${fileName}:${i + 1}: needs "question" (text) and "must_contain_any" (list)`);
    }
    out.push(q);
  });
  return out;
}

export function isCorrect(q: EvalQuestion, answer: KbAnswer): boolean {
  if (expectsHandoff(q)) return answer.decision === 'handoff';
  return answer.decision === 'answer' && q.must_contain_any.some((s) => answer.text.includes(s));
}

export function evaluate(kb: KnowledgeBase, questions: readonly EvalQuestion[]): EvalReport {
  const outcomes = questions.map((q) => {
    const answer = kb.answer(q.question);
    return { q, answer, correct: isCorrect(q, answer) };
  });
  const inScope = outcomes.filter((o) => !expectsHandoff(o.q));
  const handoff = outcomes.filter((o) => expectsHandoff(o.q));
  const correct = inScope.filter((o) => o.correct).length;
  const falseAnswers = handoff.filter((o) => !o.correct).length;
  return {
    inScope: { n: inScope.length, correct, accuracy: inScope.length ? correct / inScope.length : 0 },
    handoff: {
      n: handoff.length,
      falseAnswers,
      falseAnswerRate: handoff.length ? falseAnswers / handoff.length : 0,
    },
    outcomes,
  };
}

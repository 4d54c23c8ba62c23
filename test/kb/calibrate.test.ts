import { describe, expect, it } from 'vitest';
import { chooseThreshold, fitLogistic, type Sample } from '../../src/kb/calibrate.ts';
import { confidenceOf, FEATURE_NAMES, type Features } from '../../src/kb/confidence.ts';

const features = (over: Partial<Features>): Features => ({
  ...(Object.fromEntries(FEATURE_NAMES.map((n) => [n, 0])) as Features),
  ...over,
});

describe('fitLogistic', () => {
  it('learns a separating weight and keeps every weight on its allowed side of zero', () => {
    const samples: Sample[] = [];
    for (let i = 0; i < 20; i++) {
      samples.push({
        features: features({ coverage: 0.8 + i / 100, unknownShare: 0.3 }),
        label: 1,
        weight: 1,
      });
      samples.push({
        features: features({ coverage: 0.2 + i / 100, unknownShare: 0.1 }),
        label: 0,
        weight: 1,
      });
    }
    const model = fitLogistic(samples, { iterations: 3000 });
    expect(model.weights.coverage).toBeGreaterThan(1);
    // unknownShare is higher among the positives here, but may only lower confidence: clamped at 0.
    expect(model.weights.unknownShare).toBe(0);
    const m = { ...model, threshold: 0.5 };
    expect(confidenceOf(features({ coverage: 0.9 }), m)).toBeGreaterThan(0.5);
    expect(confidenceOf(features({ coverage: 0.2 }), m)).toBeLessThan(0.5);
  });
});

describe('chooseThreshold', () => {
  const points = [
    { threshold: 0.5, inScopeAccuracy: 0.95, falseAnswerRate: 0.1 },
    { threshold: 0.6, inScopeAccuracy: 0.93, falseAnswerRate: 0.02 },
    { threshold: 0.7, inScopeAccuracy: 0.925, falseAnswerRate: 0.02 },
    { threshold: 0.8, inScopeAccuracy: 0.8, falseAnswerRate: 0 },
  ];

  it('takes the most cautious threshold within the tolerance of the best feasible accuracy', () => {
    expect(chooseThreshold(points, 0.03)?.threshold).toBe(0.7);
    expect(chooseThreshold(points, 0.03, 0)?.threshold).toBe(0.6);
    expect(chooseThreshold(points, 0.01)?.threshold).toBe(0.8);
  });

  it('returns nothing when no threshold meets the false-answer limit', () => {
    expect(chooseThreshold(points, -1)).toBeUndefined();
  });
});

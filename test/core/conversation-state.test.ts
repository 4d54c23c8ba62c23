import { describe, expect, it } from 'vitest';
import { isOpen, nextState } from '../../src/core/conversation-state.ts';

describe('conversation state machine', () => {
  it('follows the happy path bot → queued → assigned → active → resolved', () => {
    expect(nextState('bot', 'queue')).toEqual({ ok: true, from: 'bot', to: 'queued' });
    expect(nextState('queued', 'assign')).toEqual({ ok: true, from: 'queued', to: 'assigned' });
    expect(nextState('assigned', 'first_response')).toEqual({ ok: true, from: 'assigned', to: 'active' });
    expect(nextState('active', 'resolve')).toEqual({ ok: true, from: 'active', to: 'resolved' });
  });

  it('keeps an answered conversation active when it is reassigned', () => {
    expect(nextState('active', 'assign')).toEqual({ ok: true, from: 'active', to: 'active' });
    expect(nextState('assigned', 'assign')).toEqual({ ok: true, from: 'assigned', to: 'assigned' });
  });

  it('refuses transitions out of closed states', () => {
    for (const from of ['resolved', 'abandoned'] as const) {
      expect(nextState(from, 'assign')).toMatchObject({ ok: false, reason: 'transition_not_allowed' });
    }
    expect(nextState('pushed_12345', 'return_to_queue')).toEqual({
      ok: true,
      from: 'pushed_12345',
      to: 'queued',
    });
    expect(nextState('bot', 'first_response')).toMatchObject({ ok: false });
  });

  it('knows which states are open', () => {
    expect(isOpen('queued')).toBe(true);
    expect(isOpen('resolved')).toBe(false);
  });
});

import { AppError, type ErrorCode } from '../core/errors.ts';
import type { ClaimFailure, StaffInputResult } from '../flows/types.ts';

type InputFailure = Extract<StaffInputResult, { ok: false }>['reason'];

const CLAIM: Record<ClaimFailure, { code: ErrorCode; message: string }> = {
  not_found: { code: 'not_found', message: 'No such conversation' },
  already_claimed: { code: 'conflict', message: 'Someone else has already taken this conversation' },
  closed: { code: 'conflict', message: 'The conversation is already closed' },
  not_on_duty: { code: 'forbidden', message: 'You are not on duty for this service item now' },
  at_capacity: { code: 'conflict', message: 'You already hold as many open conversations as allowed' },
  not_waiting: {
    code: 'conflict',
    message: 'The conversation is still with the bot; nobody asked for a human yet',
  },
};

const INPUT: Record<InputFailure, ErrorCode> = {
  usage: 'bad_request',
  no_current_conversation: 'bad_request',
  not_owner: 'forbidden',
  not_found: 'not_found',
  unknown_staff: 'bad_request',
  staff_off_duty: 'conflict',
  closed: 'conflict',
  transition_not_allowed: 'conflict',
  already_claimed: 'conflict',
  not_on_duty: 'forbidden',
  at_capacity: 'conflict',
  not_waiting: 'conflict',
};

/** A failed claim as the HTTP error the desk shows (nothing changed). */
export function claimError(reason: ClaimFailure): AppError {
  const { code, message } = CLAIM[reason];
  return new AppError(code, message, { details: { reason } });
}

/** A refused staff input; the flow's message (usage text, who is off duty …) is shown as it is. */
export function staffInputError(result: Extract<StaffInputResult, { ok: false }>): AppError {
  return new AppError(INPUT[result.reason], result.message, { details: { reason: result.reason } });
}

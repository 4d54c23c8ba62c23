/** The helper flow: createFlows and the ports it needs. */
export { createFlows } from './create-flows.ts';
export { HOTLINE_TICKET } from './close-conversation.ts';
export { FLOW_TIMER_KINDS } from './register-timers.ts';
export type { FlowDeps, FlowKb, FlowLogger, IdSource, KbDecision, TimerRegistry } from './flow-deps.ts';
export type { FlowStore } from './repositories.ts';
export type * from './types.ts';

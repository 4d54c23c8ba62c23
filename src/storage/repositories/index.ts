/** Repositories over the schema: the helper flow's store and the config → database sync. */
export { createFlowStore } from './create-flow-store.ts';
export { syncConfigToDatabase, type SyncSummary } from './sync-config-to-database.ts';

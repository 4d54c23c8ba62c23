import type { FlowRepositories, FlowStore } from '../../flows/repositories.ts';
import type { Database, Db } from '../database.ts';
import { createCitizenPromptRepository } from './citizen-prompt-repository.ts';
import { createConversationRepository } from './conversation-repository.ts';
import { createDurableWork } from './durable-work.ts';
import { createEventRepository } from './event-repository.ts';
import { createFlowStateRepository } from './flow-state-repository.ts';
import { createHotlineRepository } from './hotline-repository.ts';
import { batchedInboxInsert, createInboxRepository } from './inbox-repository.ts';
import { createMessageRepository } from './message-repository.ts';
import { createStaffStateRepository } from './staff-state-repository.ts';
import { withTransactionCaches } from './transaction-cache.ts';

function repositoriesOver(db: Db): FlowRepositories {
  return {
    conversations: createConversationRepository(db),
    inbox: createInboxRepository(db),
    messages: createMessageRepository(db),
    events: createEventRepository(db),
    flowState: createFlowStateRepository(db),
    staffState: createStaffStateRepository(db),
    prompts: createCitizenPromptRepository(db),
    work: createDurableWork(db),
    hotline: createHotlineRepository(db),
  };
}

/** The helper flow's storage (src/flows/repositories.ts) over either driver. */
export function createFlowStore(database: Pick<Database, 'db'>): FlowStore {
  const { db } = database;
  const repos = repositoriesOver(db);
  return {
    ...repos,
    // Callbacks arriving side by side share their inbox insert (see batchedInboxInsert).
    inbox: { ...repos.inbox, insert: batchedInboxInsert(db) },
    transaction: (fn) =>
      db.transaction(async (tx) => {
        const repos = repositoriesOver(tx);
        const caches = withTransactionCaches(tx, repos);
        const result = await fn({ ...repos, ...caches });
        await caches.flush();
        return result;
      }),
  };
}

import { and, eq } from 'drizzle-orm';
import type { CitizenPromptRepository } from '../../flows/repositories.ts';
import type { Db } from '../database.ts';
import { citizenPrompts } from '../schema/flows.ts';

export function createCitizenPromptRepository(db: Db): CitizenPromptRepository {
  return {
    async set(channel, citizenUserId, prompt) {
      const row = { channel, citizenUserId, ...prompt };
      await db
        .insert(citizenPrompts)
        .values(row)
        .onConflictDoUpdate({ target: [citizenPrompts.channel, citizenPrompts.citizenUserId], set: prompt });
    },

    async take(channel, citizenUserId) {
      const [row] = await db
        .delete(citizenPrompts)
        .where(and(eq(citizenPrompts.channel, channel), eq(citizenPrompts.citizenUserId, citizenUserId)))
        .returning({
          conversationId: citizenPrompts.conversationId,
          kind: citizenPrompts.kind,
          askedAt: citizenPrompts.askedAt,
        });
      return row ?? null;
    },
  };
}

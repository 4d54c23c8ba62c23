/** Storage surface: open the database, migrate it, and the schema repositories query. */
export { openDatabase, type OpenDatabaseOptions } from './open-database.ts';
// PGlite itself (databaseFromPglite) is in './pglite-database.ts', loaded only when used.
export { migrate, MIGRATIONS_FOLDER, type MigrationResult } from './migrate.ts';
export {
  isUniqueViolation,
  pgErrorCode,
  queryRows,
  silentLogger,
  type Database,
  type Db,
  type Schema,
  type StorageLogger,
} from './database.ts';
export { notifyIn } from './notify.ts';
export * as schema from './schema/index.ts';

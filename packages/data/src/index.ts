export { type Database, type Engine, engineOf, isUniqueViolation, MigrationError, migrate, type OpenDatabaseOptions, openDatabase } from './database.js';
export { redactUrl } from './redact-url.js';
export { openPrivateSqlite } from './sqlite.js';
export { type Generated, type Kysely, type Migration, sql } from 'kysely';

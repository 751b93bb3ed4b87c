export { type Database, type Engine, isUniqueViolation, MigrationError, migrate, type OpenDatabaseOptions, openDatabase } from './database.js';
export { redactUrl } from './redact-url.js';
export { type Kysely, type Migration, sql } from 'kysely';

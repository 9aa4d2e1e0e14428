import mongoose from 'mongoose';
import type { Logger } from '../core/logger.js';

/**
 * One mongoose connection per process. Indexes are synced at boot (unique
 * indexes carry correctness; MongoDB 7 and FerretDB 1.24 both support them).
 */
export async function connectMongo(uri: string, logger: Logger): Promise<mongoose.Connection> {
  const conn = mongoose.createConnection(uri, {
    serverSelectionTimeoutMS: 5_000,
    // FerretDB has no retryable writes; on MongoDB they are on by default.
    retryWrites: !/ferretdb/i.test(uri),
    autoIndex: false,
    autoCreate: true,
  });
  conn.on('disconnected', () => logger.warn('mongodb disconnected'));
  conn.on('reconnected', () => logger.info('mongodb reconnected'));
  await conn.asPromise();
  return conn;
}

export async function pingMongo(conn: mongoose.Connection, timeoutMs = 1_000): Promise<boolean> {
  const db = conn.db;
  if (conn.readyState !== mongoose.ConnectionStates.connected || !db) return false;
  try {
    await Promise.race([
      db.command({ ping: 1 }),
      new Promise((_, reject) => setTimeout(() => reject(new Error('ping timed out')), timeoutMs).unref()),
    ]);
    return true;
  } catch {
    return false;
  }
}

export function isDuplicateKey(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; message?: unknown };
  // FerretDB 1.24 (SQLite) reports a unique violation in findAndModify and updates as InternalError (code 1).
  return e.code === 11000 || (typeof e.message === 'string' && /UNIQUE constraint failed|E11000 duplicate key/.test(e.message));
}

// Ambient declarations for npm `better-sqlite3` 12.x (the package ships none). Only what the
// SQLite message store uses is declared.
declare module 'better-sqlite3' {
  namespace Database {
    interface RunResult {
      changes: number;
      lastInsertRowid: number | bigint;
    }

    interface Statement<Row = unknown> {
      run(...params: unknown[]): RunResult;
      get(...params: unknown[]): Row | undefined;
      all(...params: unknown[]): Row[];
    }

    interface Options {
      readonly?: boolean;
      /** Fail instead of creating a missing database file. */
      fileMustExist?: boolean;
      /** Milliseconds a locked database is retried before SQLITE_BUSY; blocks the thread meanwhile. */
      timeout?: number;
    }

    interface Database {
      readonly open: boolean;
      readonly inTransaction: boolean;
      readonly name: string;
      prepare<Row = unknown>(sql: string): Statement<Row>;
      exec(sql: string): this;
      pragma(source: string, options?: { simple?: boolean }): unknown;
      /** Wraps fn in BEGIN/COMMIT, or in a SAVEPOINT when a transaction is already open. */
      transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
      close(): this;
    }
  }

  const Database: new (filename: string, options?: Database.Options) => Database.Database;
  export = Database;
}

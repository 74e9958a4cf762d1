import type { ParseArgsConfig } from 'node:util';
import type { Config } from '../config/load-config';
import type { Logger } from '../log';

/** What every command gets: its parsed options and arguments, and the configuration on demand. */
export interface CommandContext {
  values: Record<string, string | boolean | string[] | undefined>;
  args: string[];
  /** The gateway's configuration, loaded as the gateway loads it (throws ConfigError with its one-line message). */
  config(): Config;
  /** The environment the configuration is read from (process env, --env-file, --credentials). */
  env: NodeJS.ProcessEnv;
  /** Silent unless --verbose (then JSON lines on stderr). */
  logger: Logger;
}

/** A command's answer: success decides the exit code; text for people, json for --json. */
export interface CommandResult {
  ok: boolean;
  text: string;
  json: unknown;
}

export interface Command {
  /** As typed: "check-bind", "config check". */
  name: string;
  /** Arguments after the name, for the usage line: "ID", "FILE". */
  args: string[];
  summary: string;
  /** Lines of --help after the usage line. */
  help: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(ctx: CommandContext): Promise<CommandResult>;
}

/** Wrong or missing arguments: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

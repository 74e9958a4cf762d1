#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs, parseEnv } from 'node:util';
import pino from 'pino';
import { ConfigError, loadConfig, type Config } from '../config/load-config';
import { createLogger } from '../log';
import { backupCommand } from './backup';
import { checkBindCommand } from './check-bind';
import { UsageError, type Command } from './command';
import { configCheckCommand } from './config-check';
import { credentialFiles } from './credentials';
import { sendCommand } from './send';
import { statusCommand } from './status';
import { tokenCommand } from './token';

/** The operator CLI: `smsgw <command> [options]`; exit 0 on success, 1 on failure, 2 on a usage error. */
const COMMANDS: Command[] = [checkBindCommand, sendCommand, statusCommand, configCheckCommand, tokenCommand, backupCommand];

const GLOBAL_OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  verbose: { type: 'boolean' },
  'env-file': { type: 'string', multiple: true },
  credentials: { type: 'string' },
} as const;

const GLOBAL_HELP = `Options of every command:
  --json              machine-readable output: one JSON object on stdout
  --env-file FILE     read settings from FILE (KEY=VALUE lines, as in systemd's EnvironmentFile, e.g.
                      /etc/smsgw/smsgw.env); may be repeated, later files win over earlier ones and
                      over the environment
  --credentials DIR   read the secrets from DIR as the service unit does from its credentials:
                      SMSGW_SMSC_PASSWORD_FILE=DIR/smpp-password and
                      SMSGW_NUMBER_HASH_KEY_FILE=DIR/number-hash-key, e.g. /etc/smsgw/credentials
  --verbose           the gateway code's log lines (JSON) on stderr, e.g. every bind state change
  --help, -h          help

The configuration is read as the gateway reads it: NODE_ENV, config/<NODE_ENV>.json, the file named by
SMSGW_CONFIG, SMSGW_* variables and their *_FILE secrets.`;

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => usageOf(c).length));
  return [
    'smsgw: operator commands for the ExSign SMS gateway',
    '',
    'Usage: smsgw <command> [options]',
    '',
    ...COMMANDS.map((c) => `  ${usageOf(c).padEnd(width)}  ${c.summary}`),
    '',
    GLOBAL_HELP,
    '',
    'smsgw <command> --help explains one command. Exit code: 0 success, 1 failure, 2 usage error.',
  ].join('\n');
}

function usageOf(command: Command): string {
  const options = Object.keys(command.options).map((name) => (name === 'smsc' || name === 'url' ? `[--${name} …]` : `--${name} …`));
  return ['smsgw', command.name, ...command.args, ...options].join(' ');
}

const helpOf = (command: Command) => `Usage: ${usageOf(command)} [--json]\n\n${command.help}\n\n${GLOBAL_HELP}`;

/** The command words in argv (skipping global options and their values): ["config", "check"], ["send"]. */
function commandWords(argv: string[]): string[] {
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--env-file' || arg === '--credentials') i++;
    else if (!arg.startsWith('-')) words.push(arg);
  }
  return words;
}

function findCommand(words: string[]): Command | undefined {
  return COMMANDS.find((c) => c.name === words.slice(0, c.name.split(' ').length).join(' '));
}

/**
 * Node 20 checks every --env-file on its command line, even after the script, and exits 9 on a missing
 * one ("node: FILE: not found") before this runs; where it does not (node -- smsgw.js), this says it.
 */
function readEnvFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read --env-file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The environment the configuration is read from: this process's, then --env-file files, then --credentials. */
function environment(envFiles: string[], credentialsDir: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const file of envFiles) Object.assign(env, parseEnv(readEnvFile(file)));
  if (credentialsDir) Object.assign(env, credentialFiles(credentialsDir));
  return env;
}

async function main(argv: string[]): Promise<number> {
  const words = commandWords(argv);
  const wantsHelp = argv.includes('--help') || argv.includes('-h');
  if (words.length === 0 || words[0] === 'help') {
    const topic = words[0] === 'help' ? findCommand(words.slice(1)) : undefined;
    process.stdout.write(`${topic ? helpOf(topic) : overview()}\n`);
    return words.length === 0 && !wantsHelp ? 2 : 0;
  }
  const command = findCommand(words);
  if (!command) throw new UsageError(`unknown command "${words.join(' ')}"`);
  if (wantsHelp) {
    process.stdout.write(`${helpOf(command)}\n`);
    return 0;
  }

  const { values, positionals } = parseArgs({ args: argv, options: { ...GLOBAL_OPTIONS, ...command.options }, allowPositionals: true, strict: true });
  const json = values.json === true;
  let config: Config | undefined;
  const logger = values.verbose ? createLogger('debug', pino.destination(2)) : createLogger('silent');
  try {
    const env = environment(values['env-file'] ?? [], values.credentials);
    const result = await command.run({
      values,
      args: positionals.slice(command.name.split(' ').length),
      env,
      logger,
      config: () => (config ??= loadConfig({ env })),
    });
    process.stdout.write(`${json ? JSON.stringify(result.json) : result.text}\n`);
    return result.ok ? 0 : 1;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const message = err instanceof ConfigError ? err.message : `smsgw ${command.name}: ${(err as Error).message}`;
    if (json) process.stdout.write(`${JSON.stringify({ ok: false, error: message })}\n`);
    else process.stderr.write(`${message}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(usage ? `smsgw: ${(err as Error).message}\nRun "smsgw --help" for the commands and their options.\n` : `smsgw: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = usage ? 2 : 1;
  },
);

import convict from 'convict';

/**
 * convict's typings cannot express custom formats (and recurse too deep on this schema): the
 * loaders use it through this narrow view, and Config (load-config.ts) is the typed result.
 */
export interface LooseConvict {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  load(value: unknown): void;
  loadFile(file: string): void;
  validate(options: { allowed: 'strict' }): void;
  getProperties(): unknown;
}

export const untypedConvict = convict as unknown as (schema: unknown, opts: { env: NodeJS.ProcessEnv; args: string[] }) => LooseConvict;

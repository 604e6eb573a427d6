// CommandSpec: how the COMMANDS table describes a command — its summary, positional argument, flags and notes.

/** One flag of a command. `value` names its argument in help (a string flag); `check` refuses a bad value. */
export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly help: string;
  readonly value?: string;
  readonly multiple?: boolean;
  readonly short?: string;
  /** The default, as help shows it and the parser fills it in. */
  readonly default?: string;
  readonly choices?: readonly string[];
  /** Returns what is wrong with the value (shown as a usage error), or undefined when it is fine. */
  readonly check?: (value: string) => string | undefined;
}

/** The positional argument of a command (print-config's proxy kind). */
export interface PositionalSpec {
  readonly name: string;
  readonly choices: readonly string[];
  /** A flag that may give the same value instead (`--target KIND`). */
  readonly flag?: string;
}

export interface CommandSpec {
  readonly name: CommandName;
  /** One line for the top-level help. */
  readonly summary: string;
  readonly positional?: PositionalSpec;
  readonly flags: Readonly<Record<string, FlagSpec>>;
  /** Extra lines under the flags in the command's help. */
  readonly notes?: readonly string[];
}

export type CommandName =
  | 'serve'
  | 'dev'
  | 'keygen'
  | 'mint'
  | 'revoke'
  | 'explain'
  | 'check-config'
  | 'print-config';

// The two ways a command fails: a usage error (exit 2, the command's usage follows) or a runtime error (exit 1).

/** The command line is wrong (unknown flag, bad value, missing argument): exit 2 with the command's usage. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The command could not do its job; the message says what went wrong and what to do about it. Exit 1. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

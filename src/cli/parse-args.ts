/** What the package's command lines share: their arguments parsed, or `--help`, or exit 2 naming the option. */

/**
 * Parses this process's arguments with `parse`. A bad option (`OptionError`) prints the reason and
 * exits 2; `--help` prints `help` and returns null; anything else is a bug and is thrown.
 */
export function parseArgsOrExit<T>(
  name: string,
  parse: (argv: readonly string[]) => { help: true } | { help: false; options: T },
  OptionError: new (...args: never[]) => Error,
  help: string,
): T | null {
  let parsed: { help: true } | { help: false; options: T };
  try {
    parsed = parse(process.argv.slice(2));
  } catch (err) {
    if (err instanceof OptionError) {
      process.stderr.write(`${name}: ${err.message}\nRun ${name} --help for the options.\n`);
      process.exit(2);
    }
    throw err;
  }
  if (parsed.help) {
    process.stdout.write(help);
    return null;
  }
  return parsed.options;
}

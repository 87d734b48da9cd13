/** `--name value` / `--name=value` options of a scenario (run.ts passes them through). */
export function option(name: string, fallback: number): number {
  const text = textOption(name);
  return text === undefined ? fallback : Number(text);
}

/** The same for a text option (e.g. a comma-separated list), or undefined when not given. */
export function textOption(name: string): string | undefined {
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === `--${name}`) return argv[i + 1];
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
  }
  return process.env[`BENCH_${name.toUpperCase()}`] || undefined;
}

/** Node options from an environment variable (e.g. BENCH_NODE_ARGS), split at white space. */
export function nodeArgsFrom(variable: string): string[] {
  return (process.env[variable] ?? '').split(/\s+/).filter(Boolean);
}

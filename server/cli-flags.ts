/**
 * `npm start --port 0` gives `--port` to npm, which keeps it as its own config (npm_config_port=true) and
 * passes only `0` on; `npm start --port=0` passes nothing on (npm_config_port=0). Both start the sandbox on the
 * wrong port without a word unless the command notices. Kept apart from the CLI so `npm start` (scripts/start.mjs)
 * can check before it decides between the desktop app and the headless server.
 */

/**
 * When npm kept some of `flags` (option names without dashes, each with its value placeholder) for itself,
 * the sentence that says so and gives the command that passes them on; otherwise undefined.
 */
export function npmKeptFlags(
  env: NodeJS.ProcessEnv,
  positionals: readonly string[],
  flags: Readonly<Record<string, string>>,
  switches: readonly string[] = [],
): string | undefined {
  const script = env['npm_lifecycle_event'];
  if (script === undefined) return undefined;
  const values = [...positionals];
  const kept: { flag: string; value: string }[] = [];
  const config = (name: string) => env[`npm_config_${name.replaceAll('-', '_')}`];
  // The values npm passed on are in the command line's order, the flags it kept are not: with two or more of
  // them (`npm start --data-dir /tmp/x --port 0`) which value was whose is unknown, so each gets its placeholder.
  const pairable = Object.keys(flags).filter((name) => config(name) === 'true').length < 2;
  for (const [name, placeholder] of Object.entries(flags)) {
    const value = config(name);
    if (value === undefined) continue;
    kept.push({
      flag: `--${name}`,
      value: value !== 'true' ? value : pairable ? (values.shift() ?? placeholder) : placeholder,
    });
  }
  for (const name of switches) {
    if (env[`npm_config_${name.replaceAll('-', '_')}`] === 'true')
      kept.push({ flag: `--${name}`, value: '' });
  }
  if (kept.length === 0) return undefined;
  const run = script === 'start' ? 'npm start' : `npm run ${script}`;
  return (
    `npm kept ${kept.map((k) => k.flag).join(' ')} for itself and did not pass it on; put -- before the flags: ` +
    `${run} -- ${kept.map((k) => (k.value === '' ? k.flag : `${k.flag} ${k.value}`)).join(' ')}`
  );
}

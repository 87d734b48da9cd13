/**
 * `lpr-mosquitto`: writes mosquitto.conf, ACL, password file and (with --tls) certificates for the
 * LPR topic tree (see `lpr-mosquitto --help`). Progress on stderr, the summary on stdout.
 * Exit 2 for a bad option, 1 when writing or a tool fails.
 */
import { parseArgsOrExit } from '../cli/parse-args';
import { formatResult, HELP, MosquittoOptionError, parseMosquittoArgs, provision } from '../mosquitto';

async function main(): Promise<void> {
  const options = parseArgsOrExit('lpr-mosquitto', parseMosquittoArgs, MosquittoOptionError, HELP);
  if (!options) return;
  try {
    const result = await provision(options, { log: (line) => process.stderr.write(`lpr-mosquitto: ${line}\n`) });
    process.stdout.write(formatResult(result, options));
  } catch (err) {
    if (err instanceof MosquittoOptionError) {
      process.stderr.write(`lpr-mosquitto: ${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`lpr-mosquitto: ${(err as Error).message}\n`);
    process.exit(1);
  }
}

void main();

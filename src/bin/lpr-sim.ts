/**
 * `lpr-sim`: simulated LPR edge cameras (see `lpr-sim --help`). Progress on stderr, the summary
 * on stdout. SIGINT/SIGTERM stop cleanly (drain acks, offline health, disconnect, exit 0); a second
 * signal exits at once.
 */
import { parseArgsOrExit } from '../cli/parse-args';
import { redactUrl } from '../runtime/broker-settings';
import { formatSummary, HELP, parseSimArgs, SimOptionError, startSimulator, type Simulator, type SimSummary } from '../sim';

function main(): void {
  const options = parseArgsOrExit('lpr-sim', parseSimArgs, SimOptionError, HELP);
  if (!options) return;
  const log = (line: string) => {
    if (!options.quiet) process.stderr.write(`${line}\n`);
  };
  let sim: Simulator;
  try {
    sim = startSimulator(options, log);
  } catch (err) {
    process.stderr.write(`lpr-sim: cannot start: ${(err as Error).message}\n`);
    process.exit(1);
  }
  log(
    `lpr-sim: ${options.cameras} camera(s) ${sim.cameras[0]!.cameraId}..${sim.cameras.at(-1)!.cameraId} on ${redactUrl(options.url)} (root ${options.root}), ` +
      `${options.rate}/s each, health every ${options.healthInterval} s; Ctrl-C to stop`,
  );
  sim.ready.then(() => log('lpr-sim: all cameras connected'));

  const progress = setInterval(() => {
    const s = sim.stats();
    log(`[${String(Math.round(s.elapsedSeconds)).padStart(5)} s] connected ${s.connected}/${s.cameras} · generated ${s.generated} · acked ${s.acked} · pending ${s.pending} · resent ${s.resent}` + (s.rejected ? ` · rejected ${s.rejected}` : '') + (s.dropped ? ` · dropped ${s.dropped}` : ''));
  }, 5000);

  let stopping = false;
  const finish = (summary: SimSummary) => {
    clearInterval(progress);
    process.stdout.write(options.json ? `${JSON.stringify(summary)}\n` : `${formatSummary(summary)}\n`);
    process.exit(0);
  };
  const stop = (why: string) => {
    if (stopping) {
      process.stderr.write(`lpr-sim: ${why} again, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    log(`lpr-sim: ${why}: stopping (waiting up to ${options.drain} s for pending acks)`);
    sim.stop().then(finish, (err: Error) => {
      process.stderr.write(`lpr-sim: error while stopping: ${err.message}\n`);
      process.exit(1);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  sim.finished.then(() => {
    if (stopping) return;
    stopping = true;
    // finished already drained: stop without waiting again.
    sim.stop(0).then(finish, (err: Error) => {
      process.stderr.write(`lpr-sim: error while stopping: ${err.message}\n`);
      process.exit(1);
    });
  });
}

main();
